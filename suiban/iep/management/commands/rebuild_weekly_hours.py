"""IEP-5: recompute the weekly delivered-hours summary from the sessions (after a bulk load, or as a repair):
``manage.py rebuild_weekly_hours [--since YYYY-MM-DD] [--until YYYY-MM-DD]``. Sessions logged through the
service keep the summary current by themselves."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_date

from suiban.iep import sessions


class Command(BaseCommand):
    help = "Recompute the per-student weekly delivered hours from the sessions."

    def add_arguments(self, parser):
        parser.add_argument("--since", help="first day (YYYY-MM-DD); default the beginning")
        parser.add_argument("--until", help="last day (YYYY-MM-DD); default the end")

    def handle(self, *args, **options):
        bounds = {}
        for name in ("since", "until"):
            if options.get(name):
                bounds[name] = parse_date(options[name])
                if bounds[name] is None:
                    raise CommandError(f"--{name} must be YYYY-MM-DD")
        written = sessions.rebuild(**bounds)
        self.stdout.write(self.style.SUCCESS(f"{written} weekly summary rows written."))
