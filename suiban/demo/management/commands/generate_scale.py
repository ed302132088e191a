from django.core.management.base import BaseCommand, CommandError

from suiban.demo import scale


class Command(BaseCommand):
    help = ("Generate a deterministic province-scale data set for benchmarks (fictional province 530000): "
            "regions, schools, resource centres, classes, students with guardians and placement records.")

    def add_arguments(self, parser):
        parser.add_argument("--students", type=int, default=60000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--schools", type=int, default=16000)
        parser.add_argument("--cities", type=int, default=21)
        parser.add_argument("--districts", type=int, default=120)
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument("--reset", action="store_true", help="delete the generated province first")

    def handle(self, *args, **options):
        if scale.exists():
            if not options["reset"]:
                self.stdout.write(f"The generated province {scale.PROVINCE_CODE} exists already; nothing to do "
                                  "(use --reset to generate it again).")
                return
            self.stdout.write(f"Deleting the generated province {scale.PROVINCE_CODE} …")
            scale.reset(log=self.stdout.write)
        self.stdout.write(f"Generating {options['students']} students, {options['schools']} schools, "
                          f"{options['cities']} cities, {options['districts']} districts (seed {options['seed']}) …")
        try:
            result = scale.generate(students=options["students"], seed=options["seed"], schools=options["schools"],
                                    cities=options["cities"], districts=options["districts"],
                                    batch_size=options["batch_size"], log=self.stdout.write)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        counts = ", ".join(f"{v} {k}" for k, v in result["counts"].items())
        self.stdout.write(self.style.SUCCESS(f"Generated {counts} in {result['elapsed']:.1f} s "
                                             f"(fingerprint {result['fingerprint'][:12]})."))
