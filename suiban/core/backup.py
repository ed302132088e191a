"""One-file backups of the database and the attachments, and their restore (SEC-7).

A backup is a .tar.gz holding ``manifest.json`` (time, database engine, the latest migration of every app, the
SHA-256 and size of every other member), the database (``db.sqlite3`` made with SQLite's online backup API, or
``db.dump`` from ``pg_dump --format=custom``, both consistent while the application runs) and ``media/`` (every
attachment). Restore checks every checksum and the engine before it touches anything, then replaces the database
and puts the attachments back; the attachments folder found before is kept aside, never deleted.
"""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

FORMAT = 1


class BackupError(RuntimeError):
    pass


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _pg_env_and_args(settings_dict) -> tuple[dict, list[str]]:
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    args = []
    if settings_dict.get("HOST"):
        args += ["--host", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        args += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["--username", str(settings_dict["USER"])]
    return env, args


def _dump_database(dest_dir: Path) -> Path:
    connection.ensure_connection()
    if connection.in_atomic_block:
        raise BackupError("a backup is taken outside any transaction (it would wait on its own write lock)")
    if connection.vendor == "sqlite":
        out = dest_dir / "db.sqlite3"
        target = sqlite3.connect(out)
        try:
            connection.connection.backup(target)  # online backup API: a consistent copy while others write
        finally:
            target.close()
        return out
    if connection.vendor == "postgresql":
        out = dest_dir / "db.dump"
        env, args = _pg_env_and_args(connection.settings_dict)
        cmd = ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", *args, "--file", str(out),
               str(connection.settings_dict["NAME"])]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True)  # noqa: S603 (fixed argv, no shell)
        if done.returncode:
            raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
        return out
    raise BackupError(f"backups of a {connection.vendor} database are not supported")


def _migrations_state() -> dict:
    from django.db.migrations.recorder import MigrationRecorder

    latest = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        latest[app] = max(latest.get(app, ""), name)
    return dict(sorted(latest.items()))


def create_backup(destination: Path | None = None) -> Path:
    """Write one .tar.gz with the database, the attachments and a manifest of checksums; returns its path."""
    now = timezone.now()
    media_root = Path(settings.MEDIA_ROOT)
    if destination is None:
        destination = Path(settings.VAR_DIR) / "backups" / f"suiban-backup-{now:%Y%m%dT%H%M%S}.tar.gz"
    destination.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="suiban-backup-") as tmp:
        tmp = Path(tmp)
        db_file = _dump_database(tmp)
        members = [(db_file, db_file.name)]
        if media_root.is_dir():
            for path in sorted(p for p in media_root.rglob("*") if p.is_file()):
                members.append((path, f"media/{path.relative_to(media_root).as_posix()}"))
        manifest = {
            "format": FORMAT, "created_at": now.isoformat(), "engine": connection.vendor, "database": db_file.name,
            "migrations": _migrations_state(),
            "files": {name: {"sha256": _sha256(path), "size": path.stat().st_size} for path, name in members},
        }
        partial = destination.with_name(destination.name + ".partial")
        with tarfile.open(partial, "w:gz") as tar:
            data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size, info.mtime, info.mode = len(data), int(now.timestamp()), 0o600
            tar.addfile(info, io.BytesIO(data))
            for path, name in members:
                tar.add(path, arcname=name, recursive=False)
        os.chmod(partial, 0o600)
        partial.replace(destination)
    return destination


def read_manifest(archive: Path) -> dict:
    with tarfile.open(archive, "r:gz") as tar:
        member = tar.getmember("manifest.json")
        return json.load(tar.extractfile(member))


def _extract_verified(archive: Path, dest: Path) -> dict:
    with tarfile.open(archive, "r:gz") as tar:
        manifest = json.load(tar.extractfile(tar.getmember("manifest.json")))
        if manifest.get("format") != FORMAT:
            raise BackupError("unknown backup format")
        names = set(manifest["files"])
        for member in tar.getmembers():
            if member.name == "manifest.json":
                continue
            if member.name not in names or not member.isfile():
                raise BackupError(f"unexpected member {member.name!r} in the backup")
        tar.extractall(dest, members=[m for m in tar.getmembers() if m.name in names], filter="data")
    for name, meta in manifest["files"].items():
        path = dest / name
        if not path.is_file() or _sha256(path) != meta["sha256"] or path.stat().st_size != meta["size"]:
            raise BackupError(f"checksum mismatch for {name}: the backup is damaged, nothing was restored")
    return manifest


def _restore_database(db_file: Path) -> None:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        source = sqlite3.connect(db_file)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
        return
    settings_dict = dict(connection.settings_dict)
    connection.close()
    env, args = _pg_env_and_args(settings_dict)
    cmd = ["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
           "--exit-on-error", *args, "--dbname", str(settings_dict["NAME"]), str(db_file)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)  # noqa: S603 (fixed argv, no shell)
    if done.returncode:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()}")


def restore_backup(archive: Path) -> dict:
    """Verify ``archive`` completely, then replace the database and the attachments with its content."""
    with tempfile.TemporaryDirectory(prefix="suiban-restore-") as tmp:
        tmp = Path(tmp)
        manifest = _extract_verified(archive, tmp)
        if manifest["engine"] != connection.vendor:
            raise BackupError(f"the backup is of a {manifest['engine']} database, this installation uses "
                              f"{connection.vendor}")
        _restore_database(tmp / manifest["database"])
        media_root = Path(settings.MEDIA_ROOT)
        if media_root.exists() and any(media_root.iterdir()):
            aside = media_root.with_name(f"{media_root.name}.before-restore-{timezone.now():%Y%m%dT%H%M%S}")
            media_root.rename(aside)
        media_root.mkdir(parents=True, exist_ok=True)
        if (tmp / "media").is_dir():
            shutil.copytree(tmp / "media", media_root, dirs_exist_ok=True)
    return manifest
