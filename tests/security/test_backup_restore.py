"""SEC-7: one command writes a consistent backup of the database and the attachments, one restores it; tested by
a round trip on the database in use (SQLite by default, PostgreSQL when DATABASE_URL points to one)."""

import io
import json
import tarfile
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from suiban.demo import world as demo
from suiban.org.models import Region

pytestmark = pytest.mark.skipif(
    connection.vendor not in ("sqlite", "postgresql"), reason="backups support SQLite and PostgreSQL")


@pytest.fixture(scope="module")
def restore_demo_world(django_db_blocker):
    yield
    with django_db_blocker.unblock():
        demo.load()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "archives" / "2026").mkdir(parents=True)
    (settings.MEDIA_ROOT / "archives" / "2026" / "report.pdf").write_bytes(b"%PDF-1.4 original attachment")
    return settings.MEDIA_ROOT


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_round_trip(world, media, tmp_path, restore_demo_world):
    """SEC-7: a backup taken, then data and attachments changed, then restored: the database and the attachments
    are exactly as at the backup (a region renamed after it is back, a file deleted after it is back, a file
    added after it is kept aside rather than lost)."""
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", "--output", str(archive), stdout=StringIO())
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest["engine"] == connection.vendor
    assert "media/archives/2026/report.pdf" in manifest["files"]
    assert manifest["migrations"]["core"] >= "0003"

    region = Region.objects.get(code="350205")
    original = region.name
    Region.objects.filter(pk=region.pk).update(name="改名后的区")
    (media / "archives" / "2026" / "report.pdf").unlink()
    (media / "later.txt").write_text("added after the backup")

    call_command("restore", str(archive), "--yes", stdout=StringIO())
    assert Region.objects.get(pk=region.pk).name == original
    assert (media / "archives" / "2026" / "report.pdf").read_bytes() == b"%PDF-1.4 original attachment"
    assert not (media / "later.txt").exists()
    kept = list(media.parent.glob("media.before-restore-*/later.txt"))
    assert len(kept) == 1


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_damaged_backup_and_changes_nothing(world, media, tmp_path, restore_demo_world):
    """SEC-7: a backup whose content does not match its manifest's checksums is refused before anything is
    touched."""
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", "--output", str(archive), stdout=StringIO())
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(damaged, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name.endswith("report.pdf"):
                data = b"%PDF-1.4 tampered!!!!!!!!!!"
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    Region.objects.filter(code="350205").update(name="备份后改名")
    with pytest.raises(CommandError):
        call_command("restore", str(damaged), "--yes", stdout=StringIO())
    assert Region.objects.get(code="350205").name == "备份后改名"
    assert (media / "archives" / "2026" / "report.pdf").read_bytes() == b"%PDF-1.4 original attachment"
