"""Background work of the findings engine (OV-1), through Django's tasks framework (``django-tasks-db`` by
default): the incremental recompute of one school after an edit, and the full recompute."""

from django.tasks import task


@task()
def recompute_school(school_id: int | None, models: list[str]) -> dict:
    """Recompute, for one school, the checks that watch one of ``models`` ("app_label.model"). ``school_id``
    None: a change above the schools (a region, a policy) — only the region-level checks run then."""
    from suiban.oversight import engine

    keys = engine.checks_watching(models)
    if school_id is None:
        keys = [k for k in keys if engine.checks.checks[k].subject_type in engine.REGION_SUBJECTS]
        stats = engine.recompute(None, check_keys=keys)
    else:
        stats = engine.recompute([school_id], check_keys=keys)
    return {"created": stats.created, "updated": stats.updated, "resolved": stats.resolved}


@task()
def recompute_all() -> dict:
    from suiban.oversight import engine

    stats = engine.recompute(None)
    return {"created": stats.created, "updated": stats.updated, "resolved": stats.resolved}


@task()
def build_pack(pack_id: int) -> str:
    """OV-3: a district's term pack of documents, as one .zip."""
    from suiban.oversight.documents import build

    return build(pack_id).state
