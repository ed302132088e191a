"""Audit retention (SEC-3): rows older than the ⚙ ``audit_retention_days`` are archived to a compressed file with a
checksum, the archive is read back and verified, and only then are exactly those rows removed through the one
database path the append-only triggers allow (migration core 0003). Nothing is ever deleted without its archive."""

import gzip
import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from suiban.core import audit
from suiban.core.models import AuditEvent

FIELDS = ["id", "at", "actor_id", "actor_username", "action", "object_type", "object_id", "object_repr", "result",
          "client_address", "changes", "region_path", "school_id"]


class ArchiveError(RuntimeError):
    """The archive could not be written or verified: no row was removed."""


@dataclass
class ArchiveResult:
    path: Path
    sha256: str
    rows: int
    cutoff: object


def archive_dir() -> Path:
    return Path(getattr(settings, "SUIBAN_AUDIT_ARCHIVE_DIR", settings.VAR_DIR / "audit-archive"))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _write(path: Path, rows) -> list[int]:
    ids = []
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for row in rows:
            row["at"] = row["at"].isoformat()
            fh.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
            ids.append(row["id"])
    return ids


def _verify(path: Path, checksum: str, ids: list[int]) -> None:
    if sha256_of(path) != checksum:
        raise ArchiveError(f"checksum of {path} does not match")
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        read = [json.loads(line)["id"] for line in fh]
    if read != ids:
        raise ArchiveError(f"{path} does not hold the {len(ids)} rows written")


def _delete_archived(ids: list[int]) -> int:
    """Remove exactly ``ids`` inside the current transaction, through the trigger's sanctioned path."""
    removed = 0
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET LOCAL suiban.audit_archive = 'on'")
        else:
            cur.execute("INSERT INTO core_audit_archive_window (upto_id) VALUES (%s)", [max(ids)])
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ", ".join(["%s"] * len(chunk))  # placeholders only: the ids are bound parameters
            cur.execute(f"DELETE FROM core_auditevent WHERE id IN ({marks})", chunk)  # noqa: S608
            removed += cur.rowcount
        if connection.vendor == "postgresql":
            cur.execute("SET LOCAL suiban.audit_archive = 'off'")
        else:
            cur.execute("DELETE FROM core_audit_archive_window")
    return removed


def archive_expired(*, days: int, now=None, directory: Path | None = None) -> ArchiveResult | None:
    """Archive and then remove the audit rows older than ``days`` (the policy's audit_retention_days, which the
    caller reads: core imports no domain app); None when there are none."""
    now = now or timezone.now()
    days = int(days)
    cutoff = now - timedelta(days=days)
    qs = AuditEvent.objects.filter(at__lt=cutoff).order_by("id")
    if not qs.exists():
        return None
    directory = directory or archive_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"audit-{now:%Y%m%dT%H%M%S}-before-{cutoff:%Y%m%d}.jsonl.gz"
        ids = _write(path, qs.values(*FIELDS).iterator(chunk_size=2000))
        checksum = sha256_of(path)
        path.with_name(path.name + ".sha256").write_text(f"{checksum}  {path.name}\n", encoding="utf-8")
        _verify(path, checksum, ids)
    except OSError as exc:
        raise ArchiveError(f"the audit archive could not be written: {exc}") from exc
    with transaction.atomic():
        removed = _delete_archived(ids)
        if removed != len(ids):
            raise ArchiveError(f"expected to remove {len(ids)} archived rows, found {removed}")
        audit.record(None, "audit.archived", None, object_type="audit_archive", object_id=path.name,
                     object_repr=path.name, username="system",
                     changes={"rows": len(ids), "sha256": checksum, "cutoff": cutoff.isoformat(),
                              "first_id": ids[0], "last_id": ids[-1]})
    return ArchiveResult(path, checksum, len(ids), cutoff)
