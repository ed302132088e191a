from django.db import migrations

from suiban.accounts.session_store import stored_key


def hash_open_session_keys(apps, schema_editor):
    """The sessions open at the upgrade are kept: their keys are replaced by the digest the new session backend
    looks them up by (SEC-4). A digest is 40 hex characters, a key 32 characters: a key is never taken for one."""
    Session = apps.get_model("sessions", "Session")
    for key in list(Session.objects.values_list("session_key", flat=True)):
        if len(key) != 40:
            Session.objects.filter(session_key=key).update(session_key=stored_key(key))


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0005_second_factor_secrets_encrypted"),
        ("sessions", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(hash_open_session_keys, migrations.RunPython.noop),
    ]
