"""Small typed helpers that read settings from the environment.

A value may also come from a file named by ``<NAME>_FILE`` (Docker/K8s secrets).
"""

import os


def env_str(name: str, default: str = "") -> str:
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        with open(file_name, encoding="utf-8") as fh:
            return fh.read().strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = env_str(name, "")
    if raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    raw = env_str(name, "")
    return int(raw) if raw.strip() else default


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = env_str(name, "")
    if not raw.strip():
        return list(default or [])
    return [part.strip() for part in raw.split(",") if part.strip()]


def dev_key(var_dir, name: str, *, fernet: bool = False) -> str:
    """A key of this installation for development (``SUIBAN_DEV_KEYS=1``, set by ``make run``/``make test``):
    created once in the data folder (random, mode 0600) and read from there afterwards, so that no two
    installations share a key and the demo still needs no configuration."""
    import base64
    from pathlib import Path

    path = Path(var_dir) / name
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        pass
    raw = os.urandom(32)
    key = base64.urlsafe_b64encode(raw).decode() if fernet else base64.b64encode(os.urandom(48)).decode()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key + "\n")
    return key
