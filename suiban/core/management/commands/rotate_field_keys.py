"""Re-encrypt every encrypted field under the first field key and recompute the keyed lookup hashes (SEC-4).

Rotation: set ``SUIBAN_FIELD_KEY="<new key>,<old key>"``, restart, run ``manage.py rotate_field_keys``,
then remove the old key from the list. Every value is read with any configured key (a value no key opens
stops the command with an error, nothing half-done: one transaction per model) and written under the first.
Append-only tables (IEP versions) are rewritten too: the content stays the same, only its encryption
changes.
"""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import models, transaction

from suiban.core.crypto import EncryptedTextField, lookup_hash


def encrypted_fields(model) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]


def rotate_model(model, batch: int = 500) -> int:
    """Rows rewritten for one model."""
    names = encrypted_fields(model)
    hashes = getattr(model, "LOOKUP_HASHES", {})  # {hash column: clear field}
    if not names:
        return 0
    plain = models.QuerySet(model=model)  # bypasses append-only querysets: the content does not change
    done = 0
    with transaction.atomic():
        pks = list(plain.order_by("pk").values_list("pk", flat=True))
        for i in range(0, len(pks), batch):
            for row in plain.filter(pk__in=pks[i:i + batch]).values("pk", *names):
                update = {n: row[n] for n in names}  # decrypted by any key, encrypted again under the first
                update.update({h: lookup_hash(row[f]) for h, f in hashes.items()})
                plain.filter(pk=row["pk"]).update(**update)
                done += 1
    return done


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field under the first SUIBAN_FIELD_KEY and recompute lookup hashes."

    def handle(self, *args, **options):
        total = 0
        for model in apps.get_models():
            if model._meta.proxy or not encrypted_fields(model):
                continue
            n = rotate_model(model)
            total += n
            self.stdout.write(f"{model._meta.label}: {n}")
        self.stdout.write(self.style.SUCCESS(f"re-encrypted {total} rows"))
