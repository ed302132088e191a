"""The audit log for people (SEC-3; ARCHITECTURE "Pages": no codes on screen).

An event's action code (``students.student.viewed``) is shown as a sentence (查看学生档案), its changes as
(field name, old, new) in words: a field by its model's verbose name, a choice by its label, a yes/no in words,
a reference to another record by that record's name. Codes no table knows are composed from their object and
verb; an app may add exact labels with ``ACTION_LABELS.update(...)`` in its own module.
"""

from django.apps import apps
from django.db import models
from django.utils.translation import gettext_lazy as _

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
    "viewed": _("Viewed"), "created": _("Created"), "updated": _("Changed"), "changed": _("Changed"),
    "deleted": _("Deleted"), "removed": _("Removed"), "exported": _("Exported"), "imported": _("Imported"),
    "downloaded": _("Downloaded"), "uploaded": _("Uploaded"), "submitted": _("Submitted"), "noted": _("Noted"),
    "recorded": _("Recorded"), "issued": _("Issued"), "returned": _("Returned"), "assigned": _("Assigned"),
    "revoked": _("Revoked"), "disabled": _("Disabled"), "enabled": _("Enabled"), "unlocked": _("Unlocked"),
    "locked": _("Locked"), "set": _("Set"), "amended": _("Amended"), "commented": _("Commented on"),
    "corrected": _("Corrected"), "logged": _("Logged"), "promoted": _("Promoted"), "revealed": _("Revealed the "
                                                                                                 "full number of"),
    "posted": _("Posted"), "reversed": _("Reversed"), "filed": _("Filed"), "transitioned": _("Moved"),
    "scored": _("Scored"), "answered": _("Answered"), "confirmed": _("Confirmed"), "proposed": _("Proposed"),
    "activated": _("Activated"), "ended": _("Ended"), "renewed": _("Renewed"), "requested": _("Requested"),
}

OBJECTS: dict[str, object] = {
    "student": _("student record"), "case": _("case"), "attachment": _("attachment"), "file": _("archive file"),
    "handover": _("archive handover"), "plan": _("education plan"), "goal": _("goal"), "review": _("plan review"),
    "session": _("tutoring session"), "evaluation": _("term evaluation"), "peer_support": _("peer support"),
    "aid": _("aid or device"), "user": _("account"), "role": _("role"), "password": _("password"),
    "region": _("region"), "school": _("school"), "centre": _("resource centre"), "class": _("class"),
    "school_year": _("school year"), "term": _("term"), "override": _("policy override"),
    "accommodation": _("exam accommodation"), "deferral": _("deferred enrolment"), "entry": _("ledger entry"),
    "pool": _("resource-teacher pool"), "visit": _("home visit"), "enrolment": _("home-delivery enrolment"),
    "room": _("resource room"), "assessment": _("resource-room assessment"), "staff": _("staff record"),
    "training": _("training record"), "finding": _("finding"), "token": _("API token"), "log": _("audit log"),
    "correction": _("correction request"), "results": _("search results"), "family": _("family page"),
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
    for model in apps.get_models():
        if model._meta.model_name == object_type:
            return model
    return None


def _field(model, name):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except Exception:  # noqa: BLE001 — unknown names (computed keys) fall back to their plain label
        return None


FIELD_WORDS: dict[str, object] = {
    "filters": _("filters"), "rows": _("rows"), "count": _("count"), "reason": _("reason"),
    "purpose": _("purpose"), "note": _("note"), "from": _("from"), "to": _("to"), "created": _("created"),
    "updated": _("updated"), "unchanged": _("unchanged"), "username": _("username"), "role": _("role"),
    "scope": _("scope"), "version": _("version"), "file": _("file"), "field": _("field"),
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
            label = str(field.verbose_name) if field is not None and hasattr(field, "verbose_name") \
                else str(FIELD_WORDS.get(key, key))
            out.append((label, _value(field, old, names), _value(field, new, names)))
        e.change_rows = out
    return events


def _value(field, value, names) -> str:
    if isinstance(field, models.ForeignKey) and isinstance(value, int):
        return names.get(field.related_model, {}).get(value, "—")
    if field is not None and getattr(field, "choices", None) and not isinstance(value, list | dict):
        return str(dict(field.flatchoices).get(value, _plain(value)))
    return _plain(value)
