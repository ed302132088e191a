"""IEP-9: the plan as a document — a Word file (.docx, python-docx) and the same contents for the print view.

``plan_contents`` gathers everything once (student, baseline, team meeting with participants, the goal tree
with measures, the reviews with the attainment per goal, the guardian's answers); ``plan_docx`` writes it as
Word, the print template (``iep/plan_print.html``) renders the same dict, so both carry every section and the
signature lines of the class teacher, resource teacher, school leader and parent with dates."""

import io

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from suiban.iep import selectors
from suiban.iep.models import ATTAINMENT, DOMAINS, MEASUREMENTS, PARTICIPANT_ROLES, RESPONSES, Goal, Plan

SECTIONS = [
    ("student", gettext_lazy("Student information")),
    ("baseline", gettext_lazy("Baseline assessment")),
    ("meeting", gettext_lazy("Team meeting")),
    ("goals", gettext_lazy("Goals")),
    ("measures", gettext_lazy("Measures and methods of judging attainment")),
    ("reviews", gettext_lazy("Reviews")),
    ("signatures", gettext_lazy("Signatures")),
]
SIGNATURES = [gettext_lazy("Class teacher"), gettext_lazy("Resource teacher"), gettext_lazy("School leader"),
              gettext_lazy("Parent / guardian")]
BASELINE_LABELS = [
    ("disability_assessment", gettext_lazy("disability assessment")),
    ("academic_assessment", gettext_lazy("academic level assessment")),
    ("social_adaptation", gettext_lazy("social adaptation assessment")),
    ("family_education", gettext_lazy("family education situation")),
    ("support_needs", gettext_lazy("learning-support needs")),
]


def _d(value) -> str:
    return value.strftime("%Y-%m-%d") if value else "—"


def plan_contents(plan: Plan) -> dict:
    """Every section of the plan document as plain data (a handful of queries, whatever the plan's size)."""
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
    answers = dict(RESPONSES)
    return {
        "plan": plan,
        "title": _("Individual education plan"),
        "sections": {k: str(v) for k, v in SECTIONS},
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
                         for p in plan.meeting_participants or []],
        "conclusions": plan.meeting_conclusions or "—",
        "goals": tree,
        "flat_goals": flat,
        "reviews": reviews,
        "responses": [{"answer": str(answers.get(r.answer, r.answer)), "comment": r.comment,
                       "at": r.responded_at.strftime("%Y-%m-%d"), "revision": r.revision}
                      for r in plan.responses.all()],
        "signatures": [str(x) for x in SIGNATURES],
    }


def plan_docx(plan: Plan) -> bytes:
    """The plan as a Word document: every section of ``plan_contents`` and the signature lines."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    c = plan_contents(plan)
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(10.5)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "SimSun")
    for section in doc.sections:
        section.left_margin = section.right_margin = Cm(2)
    head = doc.add_heading(c["title"], level=0)
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub = doc.add_paragraph(f"{plan.student.name} · {plan.school.name} · {plan.school_year.name}")
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sec = c["sections"]

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

    doc.add_heading(f"一、{sec['student']}", level=1)
    pairs = c["student"]
    table([_("item"), _("value"), _("item"), _("value")],
          [(pairs[i][0], pairs[i][1], *(pairs[i + 1] if i + 1 < len(pairs) else ("", "")))
           for i in range(0, len(pairs), 2)])

    doc.add_heading(f"二、{sec['baseline']}", level=1)
    doc.add_paragraph("；".join(f"{k}：{v}" for k, v in c["baseline_by"]))
    table([_("item"), _("finding")], c["baseline"], widths=[4, 13])

    doc.add_heading(f"三、{sec['meeting']}", level=1)
    doc.add_paragraph(f"{_('team meeting date')}：{c['meeting_date']}")
    table([_("participant"), _("role")], [(p["name"], p["role"]) for p in c["participants"]], widths=[6, 11])
    doc.add_paragraph(f"{_('team meeting conclusions')}：{c['conclusions']}")

    doc.add_heading(f"四、{sec['goals']}", level=1)
    table([_("no."), _("kind"), _("domain"), _("target behaviour"), _("baseline"), _("target level"),
           _("measurement method"), _("mastery criterion"), _("responsible teacher"), _("period")],
          [(g["code"], g["kind_label"], g["domain"], g["target_behaviour"], g["baseline"], g["target_level"],
            g["measurement"], g["mastery_criterion"], g["responsible_teacher"], g["period"]) for g in c["flat_goals"]])

    doc.add_heading(f"五、{sec['measures']}", level=1)
    table([_("no."), _("target behaviour"), _("measures"), _("method of judging attainment")],
          [(g["code"], g["target_behaviour"], g["measures"], g["attainment_method"]) for g in c["flat_goals"]])

    doc.add_heading(f"六、{sec['reviews']}", level=1)
    if not c["reviews"]:
        doc.add_paragraph(_("No review recorded yet."))
    for r in c["reviews"]:
        doc.add_paragraph(f"{_('review date')}：{r['date']}　{_('reviewer')}：{r['reviewer'] or '—'}")
        doc.add_paragraph(f"{_('evidence')}：{r['evidence']}")
        if r["summary"]:
            doc.add_paragraph(f"{_('summary')}：{r['summary']}")
        table([_("no."), _("goal"), _("attained"), _("percentage"), _("level reached"), _("note")],
              [(a["code"], a["goal"], a["attained"], a["percentage"], a["level_reached"], a["note"])
               for a in r["attainments"]])
    if c["responses"]:
        doc.add_paragraph(_("Guardian's answers") + "：" + "；".join(
            f"{r['at']} {r['answer']}{'（' + r['comment'] + '）' if r['comment'] else ''}" for r in c["responses"]))

    doc.add_heading(f"七、{sec['signatures']}", level=1)
    table([_("role"), _("signature"), _("date signed")], [(s, "", "　　　年　　月　　日") for s in c["signatures"]],
          widths=[4, 8, 5])
    for row in doc.tables[-1].rows[1:]:
        row.height = Cm(1.2)
        row.cells[1].text = ""
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
