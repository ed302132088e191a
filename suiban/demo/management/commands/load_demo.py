from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from suiban.demo import world


class Command(BaseCommand):
    help = "Load the demo world of API.md (idempotent: existing data is kept)."

    def add_arguments(self, parser):
        parser.add_argument("--allow-production", action="store_true",
                            help="load the demo accounts even with DJANGO_DEBUG=0 (a training installation)")

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["allow_production"]:
            # SEC-2: the demo's default accounts and shared password never reach a real installation by accident.
            raise CommandError("Refusing to load the demo world with DJANGO_DEBUG=0: its accounts share a known "
                               "password. Use `manage.py create_first_admin` for a real installation, or pass "
                               "--allow-production for a training installation.")
        w = world.load()
        self.stdout.write(self.style.SUCCESS(
            f"Demo world ready: {len(w.regions)} regions, {len(w.schools)} schools, {len(w.users)} accounts."))
        self.stdout.write(f"Demo accounts (password: {world.DEMO_PASSWORD}):")
        for username, full_name, role, scope in world.ACCOUNTS:
            self.stdout.write(f"  {username:<16} {full_name:<8} {role:<18} {scope or 'all'}")
