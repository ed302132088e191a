"""When data that a check watches changes, the school's findings are recomputed after the commit (OV-1).

``post_save``/``post_delete`` of every model named in a check's ``watches`` (and the register's
``students_moved`` signal, for the school a student left) add the school to a per-thread pending set; one
``on_commit`` callback per transaction enqueues one task per school — an import of a thousand rows enqueues one.
"""

import threading

from django.db import transaction
from django.db.models.signals import post_delete, post_save

_local = threading.local()
_watched: set[str] | None = None


def _watched_labels() -> set[str]:
    global _watched
    if _watched is None:
        from suiban.oversight.engine import watched_labels

        _watched = watched_labels()
    return _watched


def school_of(instance) -> int | None | bool:
    """The school whose findings a change of ``instance`` may change; None for a region; False: unknown."""
    from suiban.org.models import Region, School

    if isinstance(instance, School):
        return instance.pk
    if isinstance(instance, Region):
        return None
    if hasattr(instance, "region_id") and not hasattr(instance, "school_id"):
        return None  # a record about a district (census, governance)
    for attr in ("school_id", "from_school_id"):
        value = getattr(instance, attr, None)
        if value:
            return value
    for rel in ("student", "plan", "session", "school_class", "enrolment", "room", "pool"):
        if getattr(instance, f"{rel}_id", None):
            owner = getattr(instance, rel, None)
            value = getattr(owner, "school_id", None) if owner is not None else None
            if value:
                return value
    return False


def schedule(school_id, label: str) -> None:
    pending = getattr(_local, "pending", None)
    if pending is None:
        pending = _local.pending = {}
    pending.setdefault(school_id, set()).add(label)
    conn = transaction.get_connection()
    if conn.in_atomic_block:
        # One callback per transaction: registered unless this thread's is still waiting for the commit (a
        # rolled-back transaction drops it from the connection's list, so it is registered again).
        waiting = getattr(_local, "registered", False) and any(cb is _flush for _s, cb, _r in conn.run_on_commit)
        if not waiting:
            _local.registered = True
            transaction.on_commit(_flush)
    else:
        _flush()


def _flush() -> None:
    from suiban.oversight.tasks import recompute_school

    pending, _local.pending, _local.registered = getattr(_local, "pending", None) or {}, {}, False
    for school_id, labels in pending.items():
        recompute_school.enqueue(school_id, sorted(labels))


def _changed(sender, instance, **kwargs):
    if kwargs.get("raw"):
        return
    label = sender._meta.label_lower
    if label not in _watched_labels():
        return
    school_id = school_of(instance)
    if school_id is not False:
        schedule(school_id, label)


def _students_moved(sender, moves=(), **kwargs):
    for _student, old_school_id in moves:
        schedule(old_school_id, "students.student")


def connect() -> None:
    from suiban.students.signals import students_moved

    post_save.connect(_changed, dispatch_uid="oversight.changed.save")
    post_delete.connect(_changed, dispatch_uid="oversight.changed.delete")
    students_moved.connect(_students_moved, dispatch_uid="oversight.students_moved")
