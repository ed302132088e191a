"""The audit log for people (SEC-3; ARCHITECTURE "Pages": no codes on screen).

An event's action code (``students.student.viewed``) is shown as a sentence (查看学生档案), its changes as
(field name, old, new) in words: a field by its model's verbose name, a choice by its label, a yes/no in words,
a reference to another record by that record's name. Codes no table knows are composed from their object and
verb; an app may add exact labels with ``ACTION_LABELS.update(...)`` in its own module.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

ACTION_LABELS: dict[str, object] = {
    "accounts.login.succeeded": _("Logged in"),
    "accounts.login.failed": _("Failed login"),
    "accounts.login.refused_locked": _("Login refused: account locked"),
    "accounts.account.locked": _("Account locked after failed logins"),
    "accounts.password.changed": _("Changed the password"),
    "accounts.password.reset": _("Reset a password"),
    "accounts.token.issued": _("Issued an API token"),
    "audit.log.exported": _("Exported the audit log"),
    "students.list.viewed": _("Viewed the student list"),
    "students.roster.exported": _("Exported the roster"),
    "students.roster.imported": _("Imported a roster"),
    "students.year.rolled_over": _("Started a new school year"),
    "students.leaving.proposed": _("Proposed a leaving outcome"),
    "students.leaving.confirmed": _("Confirmed a leaving outcome"),
    "iep.plan.versions_viewed": _("Viewed the versions of a plan"),
    "iep.plan.moved": _("Moved a plan with its student"),
    "iep.plan.responded": _("Answered a plan (guardian)"),
}

VERBS: dict[str, object] = {
    "viewed": pgettext_lazy("audit", "Viewed"),
    "created": pgettext_lazy("audit", "Created"),
    "updated": pgettext_lazy("audit", "Changed"),
    "changed": pgettext_lazy("audit", "Changed"),
    "deleted": pgettext_lazy("audit", "Deleted"),
    "removed": pgettext_lazy("audit", "Removed"),
    "exported": pgettext_lazy("audit", "Exported"),
    "imported": pgettext_lazy("audit", "Imported"),
    "downloaded": pgettext_lazy("audit", "Downloaded"),
    "uploaded": pgettext_lazy("audit", "Uploaded"),
    "submitted": pgettext_lazy("audit", "Submitted"),
    "noted": pgettext_lazy("audit", "Noted"),
    "recorded": pgettext_lazy("audit", "Recorded"),
    "issued": pgettext_lazy("audit", "Issued"),
    "returned": pgettext_lazy("audit", "Returned"),
    "assigned": pgettext_lazy("audit", "Assigned"),
    "revoked": pgettext_lazy("audit", "Revoked"),
    "disabled": pgettext_lazy("audit", "Disabled"),
    "enabled": pgettext_lazy("audit", "Enabled"),
    "unlocked": pgettext_lazy("audit", "Unlocked"),
    "locked": pgettext_lazy("audit", "Locked"),
    "set": pgettext_lazy("audit", "Set"),
    "amended": pgettext_lazy("audit", "Amended"),
    "commented": pgettext_lazy("audit", "Commented on"),
    "corrected": pgettext_lazy("audit", "Corrected"),
    "logged": pgettext_lazy("audit", "Logged"),
    "promoted": pgettext_lazy("audit", "Promoted"),
    "revealed": pgettext_lazy("audit", "Revealed the full number of"),
    "posted": pgettext_lazy("audit", "Posted"),
    "reversed": pgettext_lazy("audit", "Reversed"),
    "filed": pgettext_lazy("audit", "Filed"),
    "transitioned": pgettext_lazy("audit", "Moved"),
    "scored": pgettext_lazy("audit", "Scored"),
    "answered": pgettext_lazy("audit", "Answered"),
    "confirmed": pgettext_lazy("audit", "Confirmed"),
    "proposed": pgettext_lazy("audit", "Proposed"),
    "activated": pgettext_lazy("audit", "Activated"),
    "ended": pgettext_lazy("audit", "Ended"),
    "renewed": pgettext_lazy("audit", "Renewed"),
    "requested": pgettext_lazy("audit", "Requested"),
}

OBJECTS: dict[str, object] = {
    "student": pgettext_lazy("audit", "student record"),
    "case": pgettext_lazy("audit", "case"),
    "attachment": pgettext_lazy("audit", "attachment"),
    "file": pgettext_lazy("audit", "archive file"),
    "handover": pgettext_lazy("audit", "archive handover"),
    "plan": pgettext_lazy("audit", "education plan"),
    "goal": pgettext_lazy("audit", "goal"),
    "review": pgettext_lazy("audit", "plan review"),
    "session": pgettext_lazy("audit", "tutoring session"),
    "evaluation": pgettext_lazy("audit", "term evaluation"),
    "peer_support": pgettext_lazy("audit", "peer support"),
    "aid": pgettext_lazy("audit", "aid or device"),
    "user": pgettext_lazy("audit", "account"),
    "role": pgettext_lazy("audit", "role"),
    "password": pgettext_lazy("audit", "password"),
    "region": pgettext_lazy("audit", "region"),
    "school": pgettext_lazy("audit", "school"),
    "centre": pgettext_lazy("audit", "resource centre"),
    "class": pgettext_lazy("audit", "class"),
    "school_year": pgettext_lazy("audit", "school year"),
    "term": pgettext_lazy("audit", "term"),
    "override": pgettext_lazy("audit", "policy override"),
    "accommodation": pgettext_lazy("audit", "exam accommodation"),
    "deferral": pgettext_lazy("audit", "deferred enrolment"),
    "entry": pgettext_lazy("audit", "ledger entry"),
    "pool": pgettext_lazy("audit", "resource-teacher pool"),
    "visit": pgettext_lazy("audit", "home visit"),
    "enrolment": pgettext_lazy("audit", "home-delivery enrolment"),
    "room": pgettext_lazy("audit", "resource room"),
    "assessment": pgettext_lazy("audit", "resource-room assessment"),
    "staff": pgettext_lazy("audit", "staff record"),
    "training": pgettext_lazy("audit", "training record"),
    "finding": pgettext_lazy("audit", "finding"),
    "token": pgettext_lazy("audit", "API token"),
    "log": pgettext_lazy("audit", "audit log"),
    "correction": pgettext_lazy("audit", "correction request"),
    "results": pgettext_lazy("audit", "search results"),
    "family": pgettext_lazy("audit", "family page"),
}


def action_label(code: str) -> str:
    """The action as a phrase: an exact label, else "<verb> <object>", else the code's object part."""
    if code in ACTION_LABELS:
        return str(ACTION_LABELS[code])
    parts = code.split(".")
    if len(parts) >= 3:
        verb, obj = VERBS.get(parts[-1]), OBJECTS.get(parts[-2])
        if verb and obj:
            return f"{verb}{obj}" if _is_chinese() else f"{verb} {obj}"
        if verb:
            return str(verb)
    return code


def _is_chinese() -> bool:
    from django.utils.translation import get_language

    return (get_language() or "zh-hans").startswith("zh")


def _model(object_type: str):
    from suiban.core.templatetags.sb import _models_by_name

    return _models_by_name().get(object_type)


def _field(model, name):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except Exception:  # noqa: BLE001 — unknown names (computed keys) fall back to their plain label
        return None


FIELD_WORDS: dict[str, object] = {
    "filters": _("filters"),
    "rows": _("rows"),
    "count": _("count"),
    "reason": _("reason"),
    "purpose": _("purpose"),
    "note": _("note"),
    "from": _("from"),
    "to": _("to"),
    "created": _("created"),
    "updated": _("updated"),
    "unchanged": _("unchanged"),
    "username": _("username"),
    "role": _("role"),
    "scope": _("scope"),
    "version": _("version"),
    "file": _("file"),
    "field": _("field"),
}


def _plain(value) -> str:
    if value in (None, "", [], {}):
        return "—"
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, dict):
        return "；".join(f"{FIELD_WORDS.get(k, k)}：{_plain(v)}" for k, v in value.items() if v not in (None, ""))
    if isinstance(value, list | tuple):
        return "、".join(_plain(v) for v in value)
    return str(value)


def present(events) -> list:
    """Attach ``action_label`` and ``change_rows`` [(label, old, new)] to each event; references to other
    records are looked up in one query per referenced model (bounded queries per page)."""
    events = list(events)
    wanted: dict[type, set] = {}
    plans = []
    for e in events:
        model = _model(e.object_type)
        rows = []
        for key, value in (e.changes or {}).items():
            field = _field(model, key)
            pair = value if isinstance(value, list | tuple) and len(value) == 2 else (None, value)
            if isinstance(field, models.ForeignKey):
                for v in pair:
                    if isinstance(v, int):
                        wanted.setdefault(field.related_model, set()).add(v)
            rows.append((key, field, pair))
        plans.append((e, rows))
    names = {m: {pk: str(obj) for pk, obj in m.objects.in_bulk(list(pks)).items()} for m, pks in wanted.items()}
    for e, rows in plans:
        e.action_label = action_label(e.action)
        out = []
        for key, field, (old, new) in rows:
            label = (
                str(field.verbose_name)
                if field is not None and hasattr(field, "verbose_name")
                else str(FIELD_WORDS.get(key, key))
            )
            out.append((label, _value(field, old, names), _value(field, new, names)))
        e.change_rows = out
    return events


def _value(field, value, names) -> str:
    if isinstance(field, models.ForeignKey) and isinstance(value, int):
        return names.get(field.related_model, {}).get(value, "—")
    if field is not None and getattr(field, "choices", None) and not isinstance(value, list | dict):
        return str(dict(field.flatchoices).get(value, _plain(value)))
    return _plain(value)
