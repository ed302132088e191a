from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from suiban.core import backup


class Command(BaseCommand):
    help = ("Restore a backup written by `manage.py backup` (SEC-7): every checksum is verified first; then the "
            "database is replaced and the attachments put back (the current attachments folder is kept aside). "
            "Stop the application before restoring.")

    def add_arguments(self, parser):
        parser.add_argument("archive", help="the .tar.gz written by `manage.py backup`")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, **options):
        archive = Path(options["archive"])
        if not archive.is_file():
            raise CommandError(f"{archive} does not exist")
        manifest = backup.read_manifest(archive)
        if not options["yes"]:
            answer = input(f"Replace the database and attachments with the backup of {manifest['created_at']}? "
                           "Type 'yes' to continue: ")
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled; nothing was changed.")
        try:
            backup.restore_backup(archive)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"Restored the backup of {manifest['created_at']} ({len(manifest['files'])} files)."))
