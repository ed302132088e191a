from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from suiban.core import backup


class Command(BaseCommand):
    help = ("Write one consistent backup of the database and the attachments (SEC-7): a .tar.gz with a manifest "
            "of SHA-256 checksums, by default in <var>/backups/.")

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="path of the .tar.gz to write")

    def handle(self, *args, **options):
        try:
            path = backup.create_backup(Path(options["output"]) if options["output"] else None)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = backup.read_manifest(path)
        self.stdout.write(self.style.SUCCESS(
            f"Backup written to {path} ({len(manifest['files'])} files, database {manifest['engine']})."))
