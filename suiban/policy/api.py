from django.utils.translation import gettext as _
from ninja import Router, Schema

from suiban.core.api_tools import Id, require
from suiban.core.errors import DomainError
from suiban.core.scoping import get_visible_or_404
from suiban.org.models import Region, School
from suiban.policy.resolve import resolve_all


class SourceOut(Schema):
    origin: str
    label: str
    rule: str


class EffectiveOut(Schema):
    profile: str | None
    parameters: dict
    sources: dict[str, SourceOut]


router = Router(tags=["policy"])


@router.get("/policy/effective", response=EffectiveOut)
def effective(request, school: Id | None = None, region: Id | None = None):
    """The parameters in force for a school (or region), with where each value came from."""
    from suiban.policy.params import PARAMS

    require(request, "policy.view")
    if school is not None:
        subject = get_visible_or_404(School, request.user, school, "policy.view")
    elif region is not None:
        subject = get_visible_or_404(Region, request.user, region, "policy.view")
    else:
        raise DomainError(field="school", message=_("Give a school or a region."))
    profile, resolved = resolve_all(subject)
    return {
        "profile": profile,
        "parameters": {k: r.value for k, r in resolved.items()},
        "sources": {k: {"origin": r.origin, "label": r.origin_label, "rule": PARAMS[k].rule}
                    for k, r in resolved.items()},
    }
