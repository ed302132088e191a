"""OV-6: a region that runs on a policy profile still in draft, not yet in effect or past its expiry date is
warned (findings engine, OV-1). The profile of a region is its own or the nearest one above it."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from suiban.core.registry import Check, FindingData, checks
from suiban.org.models import Region
from suiban.policy.profiles import registry


def profile_problems(school_ids):
    on = timezone.localdate()
    profiles = registry().profiles
    regions = list(Region.objects.order_by("path").values_list("pk", "name", "path", "profile"))
    own = {path: code for _pk, _n, path, code in regions if code}
    for pk, name, path, _code in regions:
        parts = [p for p in path.split("/") if p]
        code = next((own[p] for p in ("/".join(parts[:i]) + "/" for i in range(len(parts), 0, -1)) if p in own), None)
        profile = profiles.get(code) if code else None
        if profile is None:
            continue
        problems = []
        if profile.draft:
            problems.append(_("the profile “%(name)s” is a draft") % {"name": profile.name})
        if profile.expires_on and profile.expires_on < on:
            problems.append(_("the profile “%(name)s” expired on %(date)s") % {
                "name": profile.name, "date": profile.expires_on.isoformat()})
        if profile.effective_from and profile.effective_from > on:
            problems.append(_("the profile “%(name)s” takes effect only on %(date)s") % {
                "name": profile.name, "date": profile.effective_from.isoformat()})
        if problems:
            evidence = _("This region's rules come from a profile that is not in force: %(problems)s.") % {
                "problems": "；".join(problems)}
            yield FindingData("region", pk, name, None, evidence, region_id=pk, due_date=profile.expires_on)


checks.register(Check(
    rule="OV-6", severity="warning", subject_type="region",
    title=gettext_lazy("Region on a draft or expired policy profile"),
    action=gettext_lazy("Attach a policy profile that is in force to the region."),
    assignee_permission="policy.manage", compute=profile_problems, watches=("org.region",)))
