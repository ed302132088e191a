from django.core.management.base import BaseCommand, CommandError

from suiban import policy
from suiban.core import retention


class Command(BaseCommand):
    help = ("Archive audit rows older than the retention period (policy audit_retention_days) to a compressed file "
            "with a SHA-256 checksum in the var folder, verify it, then remove exactly those rows (SEC-3). "
            "Run it daily (cron or a systemd timer).")

    def add_arguments(self, parser):
        parser.add_argument("--dir", help="folder for the archive files (default: <var>/audit-archive)")

    def handle(self, *args, **options):
        from pathlib import Path

        try:
            result = retention.archive_expired(days=policy.value(None, "audit_retention_days"),
                                               directory=Path(options["dir"]) if options["dir"] else None)
        except retention.ArchiveError as exc:
            raise CommandError(f"{exc} — no audit row was removed.") from exc
        if result is None:
            self.stdout.write("No audit rows older than the retention period.")
            return
        self.stdout.write(self.style.SUCCESS(
            f"Archived {result.rows} audit rows older than {result.cutoff:%Y-%m-%d} to {result.path} "
            f"(sha256 {result.sha256}); removed from the database."))
