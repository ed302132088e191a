"""Writing audit rows (SEC-3). Services call ``record`` inside their transaction."""

from datetime import date, datetime
from decimal import Decimal

from django.db import connections, models, router
from django.utils import timezone

from suiban.core.middleware import client_address
from suiban.core.models import AuditEvent
from suiban.core.text import strip_control


def _plain(value):
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, str):
        return strip_control(value)  # an attacker's username or note holds no control character in the log
    return value


# SEC-3/SEC-4: the audit log records that a sensitive value changed, never the value. Whatever a service
# passes, a key named here has its value replaced by a marker, at any depth of ``changes`` (filters too).
CHANGED = "(changed)"
SET = "(set)"
SENSITIVE_KEYS = frozenset({
    "id_number", "id_number_masked", "id_number_hash", "student_number", "student_number_masked",
    "student_number_hash", "certificate_number", "certificate_masked", "medical_notes", "family_situation",
    "disability_assessment", "family_education",
})


def _hidden(value):
    if value in (None, "", [], {}):
        return value
    return value if value in (CHANGED, SET) else SET


def redact(changes):
    """The changes with every sensitive value replaced by a marker: [old, new] pairs keep whether each side
    was empty; two different values become ["(changed)", "(changed)"]."""
    if isinstance(changes, dict):
        out = {}
        for k, v in changes.items():
            if k in SENSITIVE_KEYS:
                if isinstance(v, list) and len(v) == 2:
                    old, new = _hidden(v[0]), _hidden(v[1])
                    if old == SET and new == SET:
                        old = new = CHANGED
                    out[k] = [old, new]
                else:
                    out[k] = _hidden(v)
            else:
                out[k] = redact(v)
        return out
    if isinstance(changes, list):
        return [redact(v) for v in changes]
    return changes


def snapshot(obj, fields) -> dict:
    return {f: _plain(getattr(obj, f)) for f in fields}


def diff(before: dict, after: dict) -> dict:
    """{field: [old, new]} for the fields that changed."""
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


def object_scope(obj) -> tuple[str, int | None]:
    if obj is not None and hasattr(obj, "audit_scope"):
        return obj.audit_scope()
    return "", None


def record(actor, action: str, obj=None, *, changes=None, result="success",
           object_type: str | None = None, object_id=None, object_repr: str | None = None,
           username: str | None = None) -> AuditEvent:
    region_path, school_id = object_scope(obj)
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    event = AuditEvent(
        at=timezone.now(),
        actor=user,
        actor_username=strip_control(username if username is not None else (user.username if user else ""),
                                     multiline=False)[:150],
        action=action,
        object_type=object_type or (obj._meta.model_name if obj is not None else ""),
        object_id=str(object_id if object_id is not None else (obj.pk if obj is not None else "")),
        object_repr=strip_control(object_repr if object_repr is not None else (str(obj) if obj is not None else ""),
                                  multiline=False)[:200],
        result=result,
        client_address=client_address()[:64],
        changes=redact(_plain(changes or {})),
        region_path=region_path,
        school_id=school_id,
    )
    _insert(event)
    return event


_INSERT_SQL: dict = {}


def _insert(event: AuditEvent) -> None:
    """One INSERT of an audit row, written once per connection: every audited request (a list view too) writes a
    row, and the ORM's save machinery (compile, signals) cost more than the insert itself. Only inserts: the log
    stays append-only (``AuditEvent.save`` refuses updates; triggers refuse them in the database)."""
    connection = connections[router.db_for_write(AuditEvent)]
    fields = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]
    sql = _INSERT_SQL.get(connection.alias)
    if sql is None:
        qn = connection.ops.quote_name
        sql = (f"INSERT INTO {qn(AuditEvent._meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "  # noqa: S608 — our own table and column names; values are parameters
               f"VALUES ({', '.join(['%s'] * len(fields))})")
        if connection.features.can_return_columns_from_insert:
            sql += f" RETURNING {qn(AuditEvent._meta.pk.column)}"
        _INSERT_SQL[connection.alias] = sql
    params = [f.get_db_prep_save(getattr(event, f.attname), connection) for f in fields]
    with connection.cursor() as cur:
        cur.execute(sql, params)
        event.pk = cur.fetchone()[0] if connection.features.can_return_columns_from_insert else cur.lastrowid
    event._state.adding = False
    event._state.db = connection.alias
