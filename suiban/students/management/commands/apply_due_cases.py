"""PL-5: decided cases take effect on their effective date (the new school year, or at once at primary
enrolment). Run daily (cron / the tasks worker): ``manage.py apply_due_cases [--date YYYY-MM-DD]``."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_date

from suiban.students.cases import services as cases


class Command(BaseCommand):
    help = "Apply decided cases whose effective date has come (audited as the system)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="apply as of this date (YYYY-MM-DD); default today")

    def handle(self, *args, **options):
        on = None
        if options.get("date"):
            on = parse_date(options["date"])
            if on is None:
                raise CommandError("--date must be YYYY-MM-DD")
        applied, failed = cases.apply_due(on=on)
        for c in applied:
            self.stdout.write(f"applied case #{c.pk} ({c.kind}, effective {c.effective_date})")
        for c, message in failed:
            self.stderr.write(f"case #{c.pk} not applied: {message}")
        self.stdout.write(self.style.SUCCESS(f"{len(applied)} applied, {len(failed)} failed."))
