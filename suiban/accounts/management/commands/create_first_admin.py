"""Bootstrap a real installation (SEC-2): the three separated administrator accounts, nothing else.

    manage.py create_first_admin

creates ``sysadmin``, ``secadmin`` and ``auditor`` (names changeable with --sysadmin/--secadmin/--auditor), each
with one administrator role and no data role. Passwords are prompted (twice, not echoed) or read from the files
named by SUIBAN_SYSADMIN_PASSWORD_FILE, SUIBAN_SECADMIN_PASSWORD_FILE and SUIBAN_AUDITOR_PASSWORD_FILE (for
automated set-ups; the file holds the password on its first line). Every password passes the password rules and
must be changed at first login. The command refuses to run when any account exists already.
"""

import getpass
import os
from pathlib import Path

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from suiban.accounts.models import RoleAssignment, User
from suiban.core import audit

ADMINS = [
    ("sysadmin", "系统管理员", "sysadmin", "SUIBAN_SYSADMIN_PASSWORD_FILE"),
    ("secadmin", "安全管理员", "secadmin", "SUIBAN_SECADMIN_PASSWORD_FILE"),
    ("auditor", "审计管理员", "auditor", "SUIBAN_AUDITOR_PASSWORD_FILE"),
]


class Command(BaseCommand):
    help = "Create the system, security and audit administrator accounts of a new installation (SEC-2)."

    def add_arguments(self, parser):
        for role, *_rest in ADMINS:
            parser.add_argument(f"--{role}", default=role, help=f"username of the {role} account")
        parser.add_argument("--no-input", action="store_true",
                            help="never prompt: every password must come from its *_FILE variable")

    def _password(self, username, env_name, interactive):
        file_name = os.environ.get(env_name)
        if file_name:
            try:
                lines = Path(file_name).read_text(encoding="utf-8").splitlines()
            except OSError as exc:
                raise CommandError(f"{env_name}: {exc}") from exc
            return lines[0] if lines else ""
        if not interactive:
            raise CommandError(f"{env_name} is not set and prompting is off (--no-input)")
        first = getpass.getpass(f"Password for {username}: ")
        if getpass.getpass(f"Password for {username} (again): ") != first:
            raise CommandError("The two passwords differ.")
        return first

    def handle(self, *args, **options):
        if User.objects.exists():
            raise CommandError("Accounts exist already: the first administrators are created only once. "
                               "Further accounts are created by the security administrator.")
        plan = []
        for role, full_name, _role, env_name in ADMINS:
            username = options[role]
            password = self._password(username, env_name, not options["no_input"])
            user = User(username=username, full_name=full_name)
            try:
                password_validation.validate_password(password, user)
            except ValidationError as exc:
                raise CommandError(f"{username}: " + " ".join(exc.messages)) from exc
            plan.append((user, role, password))
        if len({u.username for u, _r, _p in plan}) != len(plan):
            raise CommandError("The three administrator accounts need three different usernames.")
        with transaction.atomic():
            for user, role, password in plan:
                user.set_password(password)
                user.password_changed_at = None  # must be changed at first login (SEC-1)
                user.save()
                # Bootstrap: nobody holds accounts.manage yet, so the roles are written here, once.
                RoleAssignment.objects.create(user=user, role=role)
                audit.record(None, "accounts.user.created", user, username="create_first_admin",
                             changes={"username": [None, user.username], "role": [None, role]})
        for user, role, _p in plan:
            self.stdout.write(self.style.SUCCESS(f"Created {user.username} ({role}); the password must be changed "
                                                 "at first login."))
