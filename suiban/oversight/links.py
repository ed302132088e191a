"""Where a finding is mended: the page of its subject that holds the fix (OV-1, "each linked to where it is
mended"). Subjects of other modules fall back to the finding's own page, which names the subject and the action."""

from django.urls import NoReverseMatch, reverse

# check code (or rule) → fn(finding) → url
BY_CHECK = {
    "PL-1": lambda f: reverse("students:edit", args=[f.subject_id]),
    "PL-10": lambda f: reverse("students:detail", args=[f.subject_id]),
    "AR-1": lambda f: reverse("archives:student", args=[f.subject_id]),
    "IEP-1": lambda f: reverse("iep:create") + f"?student={f.subject_id}",
    "IEP-2": lambda f: reverse("iep:list") + f"?student_id={f.subject_id}",
    "IEP-3": lambda f: reverse("iep:list") + f"?student_id={f.subject_id}",
    "IEP-3.due": lambda f: reverse("iep:list") + f"?student_id={f.subject_id}",
    "IEP-5": lambda f: reverse("iep:student_weekly", args=[f.subject_id]),
    "PL-4": lambda f: reverse("students:list") + f"?school={f.school_id}&class_id={f.subject_id}",
    "PL-4.hard": lambda f: reverse("students:list") + f"?school={f.school_id}&class_id={f.subject_id}",
    "OV-6": lambda f: reverse("policy:effective"),
}
BY_SUBJECT = {
    "student": lambda f: reverse("students:detail", args=[f.subject_id]),
    "case": lambda f: reverse("cases:detail", args=[f.subject_id]),
    "school": lambda f: reverse("org:school_detail", args=[f.subject_id]),
    "region": lambda f: reverse("org:region_detail", args=[f.subject_id]),
    "census_child": lambda f: reverse("oversight:census_detail", args=[f.subject_id]),
    "refusal": lambda f: reverse("oversight:refusals"),
    "accessibility_item": lambda f: reverse("oversight:accessibility", args=[f.school_id]),
}
EXTRA: dict = {}  # filled by oversight's own modules (census, governance)


def mend_url(finding) -> str:
    for fn in (EXTRA.get(finding.check_code), BY_CHECK.get(finding.check_code), BY_SUBJECT.get(finding.subject_type)):
        if fn is None:
            continue
        try:
            return fn(finding)
        except NoReverseMatch:
            continue
    return reverse("oversight:finding_detail", args=[finding.pk])
