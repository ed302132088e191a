"""Full recompute of the findings (OV-1): every registered check once over every school, stored in bulk."""

import time

from django.core.management.base import BaseCommand

from suiban.oversight import engine


class Command(BaseCommand):
    help = "Recompute every finding from the data (new ones open, mended ones resolved; nothing is deleted)."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="append", dest="checks", help="only this check code (repeatable)")
        parser.add_argument("--school", action="append", type=int, dest="schools", help="only this school id")

    def handle(self, *args, checks=None, schools=None, **options):
        started = time.perf_counter()
        stats = engine.recompute(schools, check_keys=checks)
        self.stdout.write(f"checks={stats.checks} created={stats.created} updated={stats.updated} "
                          f"resolved={stats.resolved} seconds={time.perf_counter() - started:.2f}")
