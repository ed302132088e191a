"""``manage.py start_school_year --year 2027 [--school CODE ...]``: the year rollover (suiban.students.rollover).

Run by cron or an operator at the start of the school year. A command has no logged-in user, so it acts as
the **first active system administrator** (the active ``sysadmin`` role assignment with the lowest id): the
audit trail then names a real, accountable account, which ``students.rollover`` and ``org.manage_classes``
(held by that role) allow to act on every school. Use ``--as USERNAME`` to act as someone else, e.g. the
district's bureau officer — their scope then limits the schools.
"""

from django.core.management.base import BaseCommand, CommandError

from suiban.accounts.models import RoleAssignment, User
from suiban.core.errors import DomainError
from suiban.students.rollover import start_school_year


def system_actor() -> User:
    ra = (RoleAssignment.objects.filter(role="sysadmin", revoked_at__isnull=True, user__is_active=True)
          .select_related("user").order_by("id").first())
    if ra is None:
        raise CommandError("No active system administrator account: create one first.")
    return ra.user


class Command(BaseCommand):
    help = "Start a new school year: create its classes, promote students, propose leaving outcomes (grade 9) " \
           "and open 小升初 transfer cases (grade 6 of primary schools). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="start year of the new school year, e.g. 2027")
        parser.add_argument("--school", action="append", dest="schools", metavar="CODE",
                            help="school code (repeatable); default: every school in the actor's scope")
        parser.add_argument("--as", dest="username", help="act as this account instead of the first sysadmin")

    def handle(self, *args, year, schools=None, username=None, **options):
        if username:
            actor = User.objects.filter(username=username, is_active=True).first()
            if actor is None:
                raise CommandError(f"No active account {username!r}.")
        else:
            actor = system_actor()
        try:
            result = start_school_year(actor=actor, start_year=year, schools=schools)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        for code, s in result.items():
            if s["skipped"]:
                self.stdout.write(f"{code} {s['name']}: already rolled over to {s['school_year']}, skipped.")
                continue
            self.stdout.write(
                f"{code} {s['name']}: {s['classes_created']} classes created, {s['promoted']} promoted, "
                f"{s['leaving_proposed']} leaving outcomes proposed, {s['transfers']} transfer cases, "
                f"{len(s['unplaced'])} to place by hand" + (f" (students {s['unplaced']})" if s["unplaced"] else ""))
            for w in s["warnings"]:
                self.stdout.write(self.style.WARNING(f"  {w}"))
        self.stdout.write(self.style.SUCCESS(f"School year {year}-{year + 1} started as {actor.username}."))
