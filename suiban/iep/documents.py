"""IEP-9: the plan as a document — a Word file (.docx, python-docx) and the same contents for the print view.

``plan_contents`` gathers everything once: the student, the baseline, the team meeting with its participants,
the goal tree with measures, the reviews with the attainment per goal and the amendment history of the plan
(IEP-1..IEP-3); for the plan's student and school year the individual tutoring and compensatory training of the
plan's period — weekly hours against the minimum and hours per kind (IEP-4, IEP-5) —, the term evaluations
(IEP-6), the peer support (IEP-7) and the aids issued (IEP-8) active in the plan's period; the guardian's
answers; and a signature line with a date for every team-meeting participant, the approving school leader and
the guardian, each person once. ``plan_docx`` writes it as Word, the print template (``iep/plan_print.html``)
renders the same dict. A fixed number of queries, whatever the number of goals, reviews or sessions."""

import io
from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from suiban import policy
from suiban.core.text import strip_control
from suiban.iep import selectors
from suiban.iep.models import (
    AID_KINDS,
    ATTAINMENT,
    DIMENSIONS,
    DOMAINS,
    INDIVIDUAL_TUTORING,
    LEVELS,
    MEASUREMENTS,
    PARTICIPANT_ROLES,
    PEER_MODES,
    RESPONSES,
    AidIssue,
    Evaluation,
    Goal,
    PeerSupport,
    Plan,
    SessionAttendance,
)
from suiban.iep.services import today, training_kinds
from suiban.iep.support import EMPHASES
from suiban.org.calendar import term_dates
from suiban.org.models import Term

# In document order; every key is a section of both the Word document and the print view (``id="sec-<key>"``).
SECTIONS = [
    ("student", gettext_lazy("Student information")),
    ("baseline", gettext_lazy("Baseline assessment")),
    ("meeting", gettext_lazy("Team meeting")),
    ("goals", gettext_lazy("Goals")),
    ("measures", gettext_lazy("Measures and methods of judging attainment")),
    ("reviews", gettext_lazy("Reviews")),
    ("amendments", gettext_lazy("Amendment history")),
    ("tutoring", gettext_lazy("Individual tutoring and compensatory training")),
    ("evaluations", gettext_lazy("Term evaluations")),
    ("peer_support", gettext_lazy("Peer support")),
    ("aids", gettext_lazy("Aids issued")),
    ("responses", gettext_lazy("Guardian's answers")),
    ("signatures", gettext_lazy("Signatures")),
]
NUMERALS = "一 二 三 四 五 六 七 八 九 十 十一 十二 十三 十四 十五".split()
# Signature lines besides the team-meeting participants: the school leader who approves the plan and the guardian
# (the guardian's line is left out when a guardian took part in the meeting: each person signs once).
LEADER, GUARDIAN = "school_leader", "guardian"
SIGNATURES = [gettext_lazy("School leader (approval)"), gettext_lazy("Parent / guardian")]
DATE_LINE = "　　　年　　月　　日"
BASELINE_LABELS = [
    ("disability_assessment", gettext_lazy("disability assessment")),
    ("academic_assessment", gettext_lazy("academic level assessment")),
    ("social_adaptation", gettext_lazy("social adaptation assessment")),
    ("family_education", gettext_lazy("family education situation")),
    ("support_needs", gettext_lazy("learning-support needs")),
]


def _d(value) -> str:
    return value.strftime("%Y-%m-%d") if value else "—"


def _h(value) -> str:
    """Class hours without trailing zeros: 2, 1.5, 0.75."""
    text = f"{Decimal(str(value or 0)):.2f}".rstrip("0").rstrip(".")
    return text or "0"


def _in_period(plan: Plan, start: str, end: str) -> Q:
    """Rows whose period [start, end or open] overlaps the plan's."""
    return (Q(**{f"{start}__lte": plan.end_date})
            & (Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gte": plan.start_date})))


def signature_lines(plan: Plan) -> list[dict]:
    """IEP-9: one line per person — every team-meeting participant, the approving school leader, the guardian.

    A person named twice (the working-group member who also approved the plan, a participant entered twice) has
    one line with all their roles; the guardian's own line is added only when no guardian took part."""
    roles = dict(PARTICIPANT_ROLES)
    lines: list[dict] = []
    by_name: dict[str, dict] = {}

    def add(name: str, role_label: str, key: str) -> None:
        name = (name or "").strip()
        line = by_name.get(name) if name else next((x for x in lines if not x["name"] and key in x["keys"]), None)
        if line is None:
            line = {"name": name, "roles": [], "keys": []}
            lines.append(line)
            if name:
                by_name[name] = line
        if role_label not in line["roles"]:
            line["roles"].append(role_label)
        line["keys"].append(key)

    participants = [p for p in plan.meeting_participants or [] if isinstance(p, dict)]
    for p in participants:
        role = p.get("role", "")
        add(str(p.get("name") or ""), str(roles.get(role, role)), role)
    add(plan.approved_by.display_name if plan.approved_by_id else "", str(SIGNATURES[0]), LEADER)
    if not any(p.get("role") == GUARDIAN for p in participants):
        add("", str(SIGNATURES[1]), GUARDIAN)
    return [{"name": x["name"], "role": "、".join(x["roles"]), "date_line": DATE_LINE} for x in lines]


def tutoring(plan: Plan) -> dict:
    """IEP-4/5 for the plan's period: per term of the plan's school year the weeks so far with the delivered class
    hours against the minimum (the weekly summary, ``selectors.weekly_hours``), and the delivered hours per kind —
    one GROUP BY over the attendance rows (delivered sessions the student was not absent from)."""
    on = today()
    terms = []
    for term in Term.objects.filter(school_year_id=plan.school_year_id).select_related("school_year").order_by(
            "number"):
        weeks = [w for w in selectors.weekly_hours(plan.student, term, on=on) if not w["upcoming"]
                 and plan.start_date - timedelta(days=4) <= w["week_start"] <= plan.end_date]
        terms.append({
            "name": term.get_number_display(),
            "period": "{} – {}".format(*map(_d, term_dates(term, plan.student.school))),
            "weeks": [{"week_start": _d(w["week_start"]), "delivered": _h(w["delivered_hours"]),
                       "minimum": _h(w["minimum"]), "met": w["met"],
                       "result": _("met") if w["met"] else _("not met")} for w in weeks],
            "met_count": sum(1 for w in weeks if w["met"]), "weeks_so_far": len(weeks),
            "delivered": _h(sum(Decimal(str(w["delivered_hours"])) for w in weeks)),
        })
        terms[-1]["summary"] = _("%(a)s of %(b)s weeks met.") % {"a": terms[-1]["met_count"],
                                                                  "b": terms[-1]["weeks_so_far"]}
    rows = (SessionAttendance.objects
            .filter(student_id=plan.student_id, date__gte=plan.start_date, date__lte=plan.end_date,
                    session__outcome="delivered", absent=False)
            .order_by().values("session__kind").annotate(hours=Sum("session__hours"), sessions=Count("id")))
    got = {r["session__kind"]: (r["hours"] or Decimal("0"), r["sessions"]) for r in rows}
    kinds = [INDIVIDUAL_TUTORING, *training_kinds(plan.school)]
    kinds += sorted(k for k in got if k not in kinds)  # a kind since dropped from the policy keeps its hours
    by_kind = [{"kind": _("Individual tutoring") if k == INDIVIDUAL_TUTORING else k,
                "hours": _h(got.get(k, (0, 0))[0]), "sessions": got.get(k, (0, 0))[1]} for k in kinds]
    met, so_far = sum(t["met_count"] for t in terms), sum(t["weeks_so_far"] for t in terms)
    total = sum((h for h, _n in got.values()), Decimal("0"))
    return {
        "rule": _("At least %(m)s class hours of individual tutoring and training a week; only delivered "
                  "sessions count; a week the term only partly covers is held to its share of school days.")
                % {"m": _h(policy.value(plan.school, selectors.MINIMUM))},
        "terms": terms, "weeks_met": met, "weeks_so_far": so_far,
        "weeks_summary": _("%(a)s of %(b)s weeks met.") % {"a": met, "b": so_far},
        "total": _h(total),
        "total_summary": _("Class hours delivered during the plan: %(h)s.") % {"h": _h(total)},
        "by_kind": by_kind,
    }


def plan_contents(plan: Plan) -> dict:
    """Every section of the plan document as plain data (a fixed number of queries, whatever the plan's size)."""
    s = plan.student
    domains, measurements = dict(DOMAINS), dict(MEASUREMENTS)
    roles, levels = dict(PARTICIPANT_ROLES), dict(ATTAINMENT)
    goals = list(plan.goals.filter(retired_in_revision__isnull=True).order_by("position", "id"))
    codes = selectors.goal_codes(goals)

    def goal_row(g: Goal) -> dict:
        return {"id": g.pk, "code": selectors.code_label(codes[g.pk]), "kind": g.kind,
                "kind_label": dict(Goal.KINDS)[g.kind],
                "domain": str(domains.get(g.domain, g.domain)) + (f"（{g.training_kind}）" if g.training_kind else ""),
                "target_behaviour": g.target_behaviour, "baseline": g.baseline, "target_level": g.target_level,
                "measurement": str(measurements.get(g.measurement, "")) if g.measurement else "",
                "mastery_criterion": g.mastery_criterion, "responsible_teacher": g.responsible_teacher,
                "period": f"{_d(g.start_date)} – {_d(g.end_date)}", "measures": g.measures,
                "attainment_method": g.attainment_method}

    tree = []
    for g in goals:
        if g.kind == Goal.LONG:
            tree.append({**goal_row(g), "short_term": [goal_row(c) for c in goals if c.parent_id == g.pk]})
    flat = [row for node in tree for row in [node, *node["short_term"]]]
    all_codes = selectors.goal_codes(list(plan.goals.all()))
    reviews = []
    for r in plan.reviews.select_related("reviewer").prefetch_related("attainments__goal").order_by("review_date",
                                                                                                     "id"):
        reviews.append({"date": _d(r.review_date), "evidence": r.evidence, "summary": r.summary,
                        "reviewer": r.reviewer.display_name if r.reviewer_id else "",
                        "attainments": [{"code": selectors.code_label(all_codes.get(a.goal_id, (0, 0))),
                                         "goal": a.goal.target_behaviour,
                                         "attained": str(levels.get(a.attained, a.attained)),
                                         "percentage": f"{a.percentage}%" if a.percentage is not None else "",
                                         "level_reached": a.level_reached, "note": a.note}
                                        for a in r.attainments.all()]})
    amendments = [{"revision": v.number, "date": _d(timezone.localtime(v.created_at).date()), "reason": v.reason,
                   "by": v.created_by.display_name if v.created_by_id else ""}
                  for v in plan.versions.select_related("created_by").defer("snapshot_json").order_by("number")]
    dimension_order = {code: i for i, (code, _l) in enumerate(DIMENSIONS)}
    dimension_names, level_names = dict(DIMENSIONS), dict(LEVELS)
    evaluations = []
    for e in (Evaluation.objects.filter(student_id=plan.student_id, term__school_year_id=plan.school_year_id)
              .select_related("term").prefetch_related("scores").order_by("term__number", "id")):
        scores = sorted(e.scores.all(), key=lambda sc: dimension_order.get(sc.dimension, len(dimension_order)))
        evaluations.append({"term": e.term.get_number_display(), "date": _d(e.evaluated_on),
                            "evaluator": e.evaluator_name, "summary": e.summary,
                            "emphasis": [(str(label), getattr(e, code)) for code, label in EMPHASES],
                            "scores": [{"dimension": str(dimension_names.get(sc.dimension, sc.dimension)),
                                        "level": str(level_names.get(sc.level, sc.level)), "comment": sc.comment}
                                       for sc in scores]})
    modes, aid_kinds = dict(PEER_MODES), dict(AID_KINDS)
    peer_support = [{"mode": str(modes.get(ps.mode, ps.mode)),
                     "peers": "、".join(str(p.get("name", "")) for p in ps.peers or [] if isinstance(p, dict)),
                     "period": f"{_d(ps.starts_on)} – {_d(ps.ends_on) if ps.ends_on else '…'}", "notes": ps.notes}
                    for ps in PeerSupport.objects.filter(_in_period(plan, "starts_on", "ends_on"),
                                                         student_id=plan.student_id).order_by("starts_on", "id")]
    aids = [{"item": a.item, "kind": str(aid_kinds.get(a.kind, a.kind)), "issued_on": _d(a.issued_on),
             "returned_on": _d(a.returned_on), "notes": a.notes}
            for a in AidIssue.objects.filter(_in_period(plan, "issued_on", "returned_on"),
                                             student_id=plan.student_id).order_by("issued_on", "id")]
    answers = dict(RESPONSES)
    sections = {k: str(v) for k, v in SECTIONS}
    return {
        "plan": plan,
        "title": _("Individual education plan"),
        "sections": sections,
        "headings": {k: f"{NUMERALS[i]}、{sections[k]}" for i, (k, _v) in enumerate(SECTIONS)},
        "student": [
            (_("name"), s.name), (_("gender"), s.get_gender_display()), (_("birth date"), _d(s.birth_date)),
            (_("school"), plan.school.name),
            (_("class"), s.school_class.name if s.school_class_id else "—"), (_("grade"), str(s.grade)),
            (_("disability category"), s.get_disability_category_display()),
            (_("school year"), plan.school_year.name), (_("state"), plan.get_state_display()),
            (_("revision"), str(plan.revision)),
            (_("period"), f"{_d(plan.start_date)} – {_d(plan.end_date)}"),
            (_("in force since"), _d(plan.in_force_on)),
        ],
        "baseline_by": [(_("baseline collected by"), plan.baseline_collected_by or "—"),
                        (_("baseline collected on"), _d(plan.baseline_collected_on))],
        "baseline": [(str(label), getattr(plan, f) or "—") for f, label in BASELINE_LABELS],
        "meeting_date": _d(plan.meeting_date),
        "participants": [{"name": p.get("name", ""), "role": str(roles.get(p.get("role"), p.get("role", "")))}
                         for p in plan.meeting_participants or [] if isinstance(p, dict)],
        "conclusions": plan.meeting_conclusions or "—",
        "goals": tree,
        "flat_goals": flat,
        "reviews": reviews,
        "amendments": amendments,
        "tutoring": tutoring(plan),
        "evaluations": evaluations,
        "peer_support": peer_support,
        "aids": aids,
        "responses": [{"answer": str(answers.get(r.answer, r.answer)), "comment": r.comment,
                       "at": timezone.localtime(r.responded_at).strftime("%Y-%m-%d %H:%M"), "revision": r.revision}
                      for r in plan.responses.all()],
        "signatures": signature_lines(plan),
        "date_line": DATE_LINE,
    }


def _without_control_chars(value):
    if isinstance(value, str):
        return strip_control(value)
    if isinstance(value, dict):
        return {k: _without_control_chars(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_without_control_chars(v) for v in value)
    return value


def plan_docx(plan: Plan) -> bytes:
    """The plan as a Word document: every section of ``plan_contents`` and the signature lines."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    # Control characters stored before they were refused (a goal, a name) would make python-docx refuse the
    # whole document (SEC-5): the document is written without them.
    c = _without_control_chars(plan_contents(plan))
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(10.5)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "SimSun")
    for section in doc.sections:
        section.left_margin = section.right_margin = Cm(2)
    head = doc.add_heading(c["title"], level=0)
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub = doc.add_paragraph(strip_control(f"{plan.student.name} · {plan.school.name} · {plan.school_year.name}"))
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    heads = c["headings"]

    def table(headers, rows, widths=None):
        t = doc.add_table(rows=1, cols=len(headers))
        t.style = "Table Grid"
        for i, h in enumerate(headers):
            cell = t.rows[0].cells[i]
            cell.text = str(h)
            for run in cell.paragraphs[0].runs:
                run.bold = True
        for row in rows:
            cells = t.add_row().cells
            for i, v in enumerate(row):
                cells[i].text = str(v if v not in (None, "") else "—")
        if widths:
            for row in t.rows:
                for i, w in enumerate(widths):
                    row.cells[i].width = Cm(w)
        return t

    def note(text):
        doc.add_paragraph(text).runs[0].italic = True

    doc.add_heading(heads["student"], level=1)
    pairs = c["student"]
    table([_("item"), _("value"), _("item"), _("value")],
          [(pairs[i][0], pairs[i][1], *(pairs[i + 1] if i + 1 < len(pairs) else ("", "")))
           for i in range(0, len(pairs), 2)])

    doc.add_heading(heads["baseline"], level=1)
    doc.add_paragraph("；".join(f"{k}：{v}" for k, v in c["baseline_by"]))
    table([_("item"), _("finding")], c["baseline"], widths=[4, 13])

    doc.add_heading(heads["meeting"], level=1)
    doc.add_paragraph(f"{_('team meeting date')}：{c['meeting_date']}")
    table([_("participant"), _("role")], [(p["name"], p["role"]) for p in c["participants"]], widths=[6, 11])
    doc.add_paragraph(f"{_('team meeting conclusions')}：{c['conclusions']}")

    doc.add_heading(heads["goals"], level=1)
    table([_("no."), _("kind"), _("domain"), _("target behaviour"), _("baseline"), _("target level"),
           _("measurement method"), _("mastery criterion"), _("responsible teacher"), _("period")],
          [(g["code"], g["kind_label"], g["domain"], g["target_behaviour"], g["baseline"], g["target_level"],
            g["measurement"], g["mastery_criterion"], g["responsible_teacher"], g["period"]) for g in c["flat_goals"]])

    doc.add_heading(heads["measures"], level=1)
    table([_("no."), _("target behaviour"), _("measures"), _("method of judging attainment")],
          [(g["code"], g["target_behaviour"], g["measures"], g["attainment_method"]) for g in c["flat_goals"]])

    doc.add_heading(heads["reviews"], level=1)
    if not c["reviews"]:
        note(_("No review recorded yet."))
    for r in c["reviews"]:
        doc.add_paragraph(f"{_('review date')}：{r['date']}　{_('reviewer')}：{r['reviewer'] or '—'}")
        doc.add_paragraph(f"{_('evidence')}：{r['evidence']}")
        if r["summary"]:
            doc.add_paragraph(f"{_('summary')}：{r['summary']}")
        table([_("no."), _("goal"), _("attained"), _("percentage"), _("level reached"), _("note")],
              [(a["code"], a["goal"], a["attained"], a["percentage"], a["level_reached"], a["note"])
               for a in r["attainments"]])

    doc.add_heading(heads["amendments"], level=1)
    if c["amendments"]:
        table([_("revision"), _("in force since"), _("reason"), _("recorded by")],
              [(v["revision"], v["date"], v["reason"], v["by"]) for v in c["amendments"]], widths=[2, 3, 9, 3])
    else:
        note(_("No revision recorded yet."))

    doc.add_heading(heads["tutoring"], level=1)
    tu = c["tutoring"]
    doc.add_paragraph(tu["rule"])
    doc.add_paragraph(f"{tu['weeks_summary']} {tu['total_summary']}")
    table([_("kind"), _("class hours")], [(k["kind"], k["hours"]) for k in tu["by_kind"]] + [(_("total"), tu["total"])],
          widths=[9, 4])
    for t in tu["terms"]:
        doc.add_paragraph(f"{t['name']}（{t['period']}）：{t['summary']}")
        if t["weeks"]:
            table([_("week of"), _("delivered"), _("minimum"), _("result")],
                  [(w["week_start"], w["delivered"], w["minimum"], w["result"]) for w in t["weeks"]],
                  widths=[4, 3, 3, 3])
        else:
            note(_("No term weeks."))

    doc.add_heading(heads["evaluations"], level=1)
    if not c["evaluations"]:
        note(_("No term evaluation recorded yet."))
    for e in c["evaluations"]:
        doc.add_paragraph(f"{e['term']}　{_('evaluated on')}：{e['date']}　{_('evaluated by')}：{e['evaluator']}")
        table([_("dimension"), pgettext("evaluation", "level"), _("comment (against the adjusted goals)")],
              [(sc["dimension"], sc["level"], sc["comment"]) for sc in e["scores"]], widths=[4, 3, 10])
        for label, text in e["emphasis"]:
            if text:
                doc.add_paragraph(f"{label}：{text}")
        if e["summary"]:
            doc.add_paragraph(f"{_('overall comment')}：{e['summary']}")

    doc.add_heading(heads["peer_support"], level=1)
    if c["peer_support"]:
        table([_("mode"), _("peers"), _("period"), _("notes")],
              [(p["mode"], p["peers"], p["period"], p["notes"]) for p in c["peer_support"]], widths=[3, 5, 5, 4])
    else:
        note(_("No peer support during the plan."))

    doc.add_heading(heads["aids"], level=1)
    if c["aids"]:
        table([_("item"), _("kind"), _("issued on"), _("returned on"), _("notes")],
              [(a["item"], a["kind"], a["issued_on"], a["returned_on"], a["notes"]) for a in c["aids"]],
              widths=[4, 3, 3, 3, 4])
    else:
        note(_("No aid issued during the plan."))

    doc.add_heading(heads["responses"], level=1)
    if c["responses"]:
        table([_("time"), _("revision"), _("answer"), _("comment")],
              [(r["at"], r["revision"], r["answer"], r["comment"]) for r in c["responses"]], widths=[4, 2, 3, 8])
    else:
        note(_("No answer yet"))

    doc.add_heading(heads["signatures"], level=1)
    sign = table([_("role"), _("full name"), _("signature"), _("date signed")],
                 [(x["role"], x["name"], "", x["date_line"]) for x in c["signatures"]], widths=[5, 3, 5, 4])
    for row, line in zip(sign.rows[1:], c["signatures"], strict=True):
        row.height = Cm(1.2)
        row.cells[1].text = line["name"]  # no name yet (the guardian, an approver to come): written by hand
        row.cells[2].text = ""
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
