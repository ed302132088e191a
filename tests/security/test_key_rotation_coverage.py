"""SEC-4: ``rotate_field_keys`` re-encrypts every encrypted column and recomputes every keyed lookup hash. A hash
column left under the old key silently breaks lookups once the old key is removed: the census children kept their
identity-number hashes under the old key, so after a rotation a re-imported list doubled them (the uniqueness
constraint compares hashes) and none matched the register any more."""

from datetime import date
from io import StringIO

from cryptography.fernet import Fernet
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from suiban.core.crypto import EncryptedTextField, lookup_hash, mask_id
from suiban.core.idnumbers import make_id_number
from suiban.org.models import Region
from suiban.oversight.models import CensusChild


def test_every_keyed_hash_column_beside_an_encrypted_field_is_recomputed_by_the_rotation(db):
    """SEC-4: each model with an encrypted field and a ``<field>_hash`` column names it in LOOKUP_HASHES."""
    missing = []
    for model in apps.get_models():
        encrypted = {f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)}
        hashed = getattr(model, "LOOKUP_HASHES", {})
        for name in encrypted:
            column = f"{name}_hash"
            if any(f.name == column for f in model._meta.concrete_fields) and hashed.get(column) != name:
                missing.append(f"{model._meta.label}.{column}")
    assert not missing


def test_census_identity_hashes_follow_the_rotation(world):
    """SEC-4: after ``rotate_field_keys`` under a new key, a census child is found by the hash under the new key."""
    region = Region.objects.filter(level="district").order_by("pk").first()
    idn = make_id_number("350206", date(2016, 4, 2), 771, "male")
    child = CensusChild.objects.create(region=region, region_path=region.path, name="普查儿童", gender="male",
                                       birth_date=date(2016, 4, 2), id_number=idn, id_number_hash=lookup_hash(idn),
                                       id_number_masked=mask_id(idn), source=CensusChild._meta.get_field("source")
                                       .choices[0][0])
    new = Fernet.generate_key().decode()
    old = list(settings.SUIBAN_FIELD_KEYS) or [settings.SECRET_KEY]
    with override_settings(SUIBAN_FIELD_KEYS=[new, *old]):
        out = StringIO()
        call_command("rotate_field_keys", stdout=out)
    assert "oversight.CensusChild: " in out.getvalue()
    with override_settings(SUIBAN_FIELD_KEYS=[new]):
        assert CensusChild.objects.get(id_number_hash=lookup_hash(idn)).pk == child.pk
