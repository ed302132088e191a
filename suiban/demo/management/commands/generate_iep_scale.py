"""Issue 4: province-scale plans, goals, sessions and the weekly summary for the benchmarks:
``manage.py generate_iep_scale --seed S [--weeks N] [--attendances ROWS]`` (after ``generate_scale``)."""

from django.core.management.base import BaseCommand, CommandError

from suiban.demo import iep_scale as scale


class Command(BaseCommand):
    help = ("Generate, in bulk and deterministically, one school year of plans in force (2 long-term + 4 "
            "short-term goals each), the sessions of the term weeks up to today and the weekly summary for the "
            "students in inclusion of the generated province 530000. Parts already present are skipped.")

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--weeks", type=int, default=None, help="only the last N term weeks up to today")
        parser.add_argument("--attendances", type=int, default=5_000_000,
                            help="target number of session-attendance rows (default 5,000,000)")

    def handle(self, *args, **options):
        if options["weeks"] is not None and options["weeks"] < 1:
            raise CommandError("--weeks must be at least 1")
        self.stdout.write(f"Generating individual education (seed {options['seed']}, target "
                          f"{options['attendances']:,} attendance rows) …")
        try:
            result = scale.generate(seed=options["seed"], weeks=options["weeks"], attendances=options["attendances"],
                                    log=self.stdout.write)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if not result["counts"]:
            self.stdout.write(f"Everything is present already ({', '.join(result['skipped'])}); nothing to do.")
            return
        counts = ", ".join(f"{v:,} {k}" for k, v in result["counts"].items())
        self.stdout.write(self.style.SUCCESS(
            f"Generated {counts} for {result['students']:,} students over {result['weeks']} weeks in "
            f"{result['elapsed']:.1f} s (fingerprint {result['fingerprint'][:12]})."))
