from django.core.management.base import BaseCommand

from suiban.demo import world


class Command(BaseCommand):
    help = "Load the demo world of API.md (idempotent: existing data is kept)."

    def handle(self, *args, **options):
        w = world.load()
        self.stdout.write(self.style.SUCCESS(
            f"Demo world ready: {len(w.regions)} regions, {len(w.schools)} schools, {len(w.users)} accounts."))
        self.stdout.write(f"Demo accounts (password: {world.DEMO_PASSWORD}):")
        for username, full_name, role, scope in world.ACCOUNTS:
            self.stdout.write(f"  {username:<16} {full_name:<8} {role:<18} {scope or 'all'}")
