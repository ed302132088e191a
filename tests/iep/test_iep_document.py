"""IEP-9: the plan document (Word and print view) carries every section of IEP-1..IEP-8 for the plan's student and
school year — goals, reviews and amendment history, tutoring and compensatory training against the weekly minimum
with hours per kind, term evaluations, peer support and aids of the plan's period, the guardian's answers — and a
signature line with a date for each team-meeting participant, the approving school leader and the guardian, each
person once; building it runs a fixed number of queries, however many goals, sessions or reviews the plan has."""

import io
import re
from datetime import timedelta
from decimal import Decimal

import docx
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from iep_helpers import force_plan, full_weeks

from suiban.demo import world as demo
from suiban.iep import documents, services, sessions, support
from suiban.iep.models import DIMENSIONS, Plan, PlanResponse
from suiban.policy.resolve import invalidate

TEACHER, LEADER = "hc_s1_resource", "hc_s1_leader"
ALL = [{"dimension": code, "level": "good", "comment": f"{code}：对照调整后的目标，进步明显。"}
       for code, _l in DIMENSIONS]
EMPHASIS = {"social_adaptation": "社会适应：能遵守课堂常规。", "compensation": "补偿与矫正：注意力延长。",
            "labour_skills": "劳动技能：能整理书包。"}
PARTICIPANTS = [{"name": "王志强", "role": "working_group"}, {"name": "黄丽娟", "role": "itinerant_teacher"},
                {"name": "张悦", "role": "class_teacher"}, {"name": "黄丽娟", "role": "itinerant_teacher"}]


def _zh(msgid, context=None):
    with translation.override("zh-hans"):
        return str(translation.pgettext(context, msgid) if context else translation.gettext(msgid))


def _tree(start, end, longs=1, shorts=1):
    return [{"domain": "daily_living", "target_behaviour": f"长期目标{i}：能独立整理书包", "start_date": start,
             "end_date": end, "measures": "任务分解、图片提示", "attainment_method": "每周检核表",
             "short_term": [{"target_behaviour": f"短期目标{i}.{k}：能按课表放入课本", "baseline": "需要成人全程提示",
                             "target_level": "独立完成", "measurement": "checklist",
                             "mastery_criterion": "连续 5 天正确",
                             "responsible_teacher": "李梅", "start_date": start, "end_date": end,
                             "measures": "课表卡片", "attainment_method": "检核表"} for k in range(1, shorts + 1)]}
            for i in range(1, longs + 1)]


def _plan(world, student, *, longs=1, shorts=1, participants=PARTICIPANTS) -> Plan:
    """A plan of last school year (every week over) that starts two weeks into the year, put in force that day."""
    sy = world.years[demo.current_start_year() - 1]
    start = sy.start_date + timedelta(days=14)
    p = services.plan_create(
        actor=world.users[TEACHER], student=student, school_year=sy, start_date=start, end_date=sy.end_date,
        baseline_collected_by="张悦", baseline_collected_on=start, disability_assessment="轻度智力障碍",
        academic_assessment="语文一年级水平", social_adaptation="能遵守课堂常规", family_education="母亲陪伴学习",
        support_needs="个别辅导与同伴互助", meeting_date=start, meeting_participants=participants,
        meeting_conclusions="以生活自理为重点。", goals=_tree(start, sy.end_date, longs, shorts))
    return force_plan(p.pk, on=start, actor=world.users[LEADER])


def _log(world, students, day, hours, kind="individual_tutoring", **extra):
    return sessions.session_log(actor=world.users[TEACHER], student_ids=[s.pk for s in students], date=day,
                                hours=hours, kind=kind, teacher_name="李梅", **extra)


def _fill(world, plan, past_term, other, *, n=1):
    """Sessions, reviews, a term evaluation, peer support, aids, amendments and answers — ``n`` of each kind."""
    student, actor = plan.student, world.users[TEACHER]
    weeks = full_weeks(past_term)
    for i in range(n):
        _log(world, [student], weeks[i % len(weeks)], "1")
        _log(world, [student, other], weeks[i % len(weeks)] + timedelta(days=2), "1.5", kind="感统训练")
    goals = [g.pk for g in plan.goals.filter(kind="short_term")]
    for i in range(n):
        services.review_record(actor=actor, plan=plan, review_date=plan.in_force_on + timedelta(weeks=4 * (i + 1)),
                               evidence=f"课堂观察记录{i}", attainments=[{"goal_id": g, "attained": "partly",
                                                                        "percentage": 60} for g in goals])
    support.evaluation_record(actor=actor, student=student, term=past_term, evaluated_on=past_term.end_date,
                              evaluator_name="李梅", dimensions=ALL, summary="社会适应进步明显。",
                              emphasis=EMPHASIS)
    for i in range(n):
        support.peer_support_create(actor=actor, student=student, mode="one_to_one", peers=[{"name": f"同伴{i}"}],
                                    starts_on=plan.start_date + timedelta(days=i), ends_on=plan.end_date)
        support.aid_issue(actor=actor, student=student, item=f"放大镜{i}", kind="assistive_device",
                          issued_on=plan.start_date + timedelta(days=i))
        PlanResponse.objects.create(plan=plan, revision=plan.revision, answer="agree_in_part", comment=f"意见{i}",
                                    responded_by=world.users["hc_parent"])
    for i in range(n - 1):
        plan = services.plan_amend(actor=actor, plan=Plan.objects.get(pk=plan.pk), reason=f"修订原因{i}",
                                   version=Plan.objects.get(pk=plan.pk).version, support_needs=f"支持需求{i}")
    return Plan.objects.get(pk=plan.pk)


@pytest.fixture
def rich_plan(world, new_student, past_term):
    """A plan with everything IEP-1..IEP-8 records, and what must stay out of its document."""
    student, other = new_student(), new_student()
    plan = _plan(world, student)
    weeks = full_weeks(past_term)
    actor = world.users[TEACHER]
    _log(world, [student], weeks[0], "2")
    _log(world, [student], weeks[0] + timedelta(days=2), "1")  # week 1: 3 of 3 class hours — met
    _log(world, [student, other], weeks[1], "1.5", kind="感统训练")  # week 2: 1.5 — not met
    _log(world, [student, other], weeks[1] + timedelta(days=1), "2", kind="沟通训练",
         absent_student_ids=[student.pk])  # delivered to the other student only
    _log(world, [student], weeks[1] + timedelta(days=3), "1", outcome="cancelled", cancel_reason="学校活动")
    _log(world, [student], plan.start_date - timedelta(days=5), "1")  # before the plan's period
    services.review_record(actor=actor, plan=plan, review_date=plan.start_date + timedelta(weeks=6),
                           evidence="课堂观察记录、作业样本",
                           attainments=[{"goal_id": g.pk, "attained": "partly", "percentage": 60}
                                        for g in plan.goals.filter(kind="short_term")])
    plan = services.plan_amend(actor=actor, plan=plan, reason="增加同伴互助安排", version=plan.version,
                               support_needs="个别辅导、同伴互助与辅具支持")
    support.evaluation_record(actor=actor, student=student, term=past_term, evaluated_on=past_term.end_date,
                              evaluator_name="陈老师", dimensions=ALL, summary="社会适应与劳动技能进步明显。",
                              emphasis=EMPHASIS)
    support.peer_support_create(actor=actor, student=student, mode="many_to_one",
                                peers=[{"name": "林小雨"}, {"name": "王乐"}], starts_on=plan.start_date,
                                notes="课间陪伴")
    support.peer_support_create(actor=actor, student=student, mode="one_to_one", peers=[{"name": "旧同伴"}],
                                starts_on=plan.start_date - timedelta(days=60),
                                ends_on=plan.start_date - timedelta(days=30))  # over before the plan
    support.aid_issue(actor=actor, student=student, item="助听器", kind="assistive_device",
                      issued_on=plan.start_date + timedelta(days=3))
    support.aid_issue(actor=actor, student=student, item="旧字卡", kind="learning_tool",
                      issued_on=plan.start_date - timedelta(days=60), returned_on=plan.start_date - timedelta(days=20))
    PlanResponse.objects.create(plan=plan, revision=plan.revision, answer="agree_in_part", comment="希望增加阅读训练",
                                responded_by=world.users["hc_parent"])
    return Plan.objects.select_related("student", "school", "school_year", "approved_by").get(pk=plan.pk)


def _docx(client, plan):
    r = client.get(f"/iep/{plan.pk}/document.docx")
    assert r.status_code == 200
    d = docx.Document(io.BytesIO(r.content))
    headings = [p.text for p in d.paragraphs if p.style.name.startswith("Heading")]
    text = "\n".join(p.text for p in d.paragraphs)
    return d, headings, text


def _rows(table):
    return [[c.text for c in row.cells] for row in table.rows]


def test_word_document_has_every_iep_section_and_a_signature_line_per_participant(user_client, rich_plan):
    """IEP-9: the .docx opens with python-docx and has, in order, every section of IEP-1..IEP-8 — with the hours per
    kind of the plan's period (delivered only, not the session the student missed, not before the plan), the weeks
    met, the term evaluation on the seven dimensions, the peer support and aids active in the plan's period, the
    amendment history and the guardian's answer — and one signature line with a date for every participant, the
    approving leader (merged with the same person's participant line) and the guardian."""
    p = rich_plan
    d, headings, text = _docx(user_client(LEADER), p)
    cells = "\n".join(c.text for t in d.tables for row in t.rows for c in row.cells)
    with translation.override("zh-hans"):
        titles = [str(title) for _k, title in documents.SECTIONS]
        dimensions = [str(label) for _c, label in DIMENSIONS]
    assert [h.split("、", 1)[-1] for h in headings] == titles  # every section, in document order
    # IEP-4/5: hours per kind and the weeks met
    kinds = {row[0]: row[1] for t in d.tables for row in _rows(t) if len(row) == 2}
    assert kinds[_zh("Individual tutoring")] == "3" and kinds["感统训练"] == "1.5" and kinds["沟通训练"] == "0"
    assert kinds[_zh("total")] == "4.5" and "劳动技能训练" in kinds
    assert _zh("Class hours delivered during the plan: %(h)s.") % {"h": "4.5"} in text
    weeks = {r[0]: r for t in d.tables if _rows(t)[0][0] == _zh("week of") for r in _rows(t)[1:]}
    first, second = (str(w) for w in full_weeks(p.school_year.terms.get(number=2))[:2])
    assert weeks[first][1:] == ["3", "3", _zh("met")] and weeks[second][1:] == ["1.5", "3", _zh("not met")]
    # IEP-6..IEP-8
    for (code, _l), label in zip(DIMENSIONS, dimensions, strict=True):
        assert label in cells and f"{code}：对照调整后的目标" in cells
    assert "陈老师" in text and "社会适应与劳动技能进步明显。" in text
    assert "林小雨、王乐" in cells and "课间陪伴" in cells and "旧同伴" not in cells
    assert "助听器" in cells and "旧字卡" not in cells
    # amendment history and the guardian's answer with its time
    assert "增加同伴互助安排" in cells and _zh("Put in force.") in cells
    response = p.responses.get()
    assert timezone.localtime(response.responded_at).strftime("%Y-%m-%d %H:%M") in cells
    assert "希望增加阅读训练" in cells
    # signatures: one line per person, with a date line
    sign = _rows(d.tables[-1])[1:]
    assert [(r[0], r[1]) for r in sign] == [
        (f"{_zh('School inclusion working group')}、{_zh('School leader (approval)')}", "王志强"),
        (_zh("Itinerant teacher"), "黄丽娟"), (_zh("Class teacher"), "张悦"), (_zh("Parent / guardian"), "")]
    assert all(r[2] == "" and "年" in r[3] and "月" in r[3] and "日" in r[3] for r in sign)


def test_print_view_has_the_same_sections_and_signature_lines(user_client, rich_plan):
    """IEP-9: the print view (A4 print CSS) shows the same sections as the Word document with the same data and one
    signature row per person."""
    p = rich_plan
    r = user_client(LEADER).get(f"/iep/{p.pk}/print/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "@page { size: A4" in html and "bootstrap" not in html.lower()
    positions = [html.index(f'id="sec-{key}"') for key, _t in documents.SECTIONS]
    assert positions == sorted(positions)
    with translation.override("zh-hans"):
        assert all(str(title) in html for _key, title in documents.SECTIONS)
    assert html.count('class="sb-kind"') == 1 + len(services.training_kinds(p.school))  # tutoring + each kind
    assert _zh("Class hours delivered during the plan: %(h)s.") % {"h": "4.5"} in html
    assert html.count('class="sb-evaluation"') == 1 and "陈老师" in html
    assert html.count('class="sb-peer"') == 1 and "林小雨、王乐" in html and "旧同伴" not in html
    assert html.count('class="sb-aid"') == 1 and "助听器" in html and "旧字卡" not in html
    assert html.count('class="sb-revision"') == 2 and "增加同伴互助安排" in html
    assert html.count('class="sb-response"') == 1 and "希望增加阅读训练" in html
    sign = re.findall(r'<tr class="sb-sign"><td>(.*?)</td><td>(.*?)</td><td></td><td>(.*?)</td></tr>', html)
    assert [(role, name) for role, name, _date in sign] == [
        (f"{_zh('School inclusion working group')}、{_zh('School leader (approval)')}", "王志强"),
        (_zh("Itinerant teacher"), "黄丽娟"), (_zh("Class teacher"), "张悦"), (_zh("Parent / guardian"), "")]
    assert all("年" in date for _r, _n, date in sign) and html.count('class="sb-sign"') == 4


def test_signature_lines_name_each_person_once(world):
    """IEP-9: a guardian who took part in the meeting signs on their participant line (no second guardian line);
    a name entered twice is one line; without an approver the leader's line is left blank to fill in."""
    plan = Plan(meeting_participants=[{"name": "林秀英", "role": "guardian"},
                                      {"name": "李梅", "role": "resource_teacher"},
                                      {"name": "李梅", "role": "class_teacher"}])
    with translation.override("zh-hans"):
        lines = documents.signature_lines(plan)
    assert [(x["name"], x["role"]) for x in lines] == [
        ("林秀英", _zh("Parent / guardian")), ("李梅", f"{_zh('Resource teacher')}、{_zh('Class teacher')}"),
        ("", _zh("School leader (approval)"))]
    assert all(x["date_line"].strip(" 　") == "年　　月　　日" for x in lines)


def test_building_the_document_runs_a_fixed_number_of_queries(world, user_client, new_student, past_term):
    """IEP-9: the queries of the Word document and of the print view do not grow with the plan's goals, sessions,
    reviews, evaluations, support records, revisions or answers (sessions are summed in SQL, per kind)."""
    other = new_student()
    small = _fill(world, _plan(world, new_student()), past_term, other, n=1)
    big = _fill(world, _plan(world, new_student(), longs=3, shorts=3), past_term, other, n=6)

    def fresh(plan):
        invalidate()  # both documents start with a cold policy cache
        return Plan.objects.select_related("student__school_class", "school", "school_year", "approved_by").get(
            pk=plan.pk)

    counts = []
    for plan in (small, big):
        p = fresh(plan)
        with CaptureQueriesContext(connection) as ctx:
            contents = documents.plan_contents(p)
            documents.plan_docx(p)
        counts.append(len(ctx.captured_queries))
        hours = {k["kind"]: Decimal(k["hours"]) for k in contents["tutoring"]["by_kind"]}
        n = 1 if plan is small else 6
        assert hours["感统训练"] == Decimal("1.5") * n and Decimal(contents["tutoring"]["total"]) == Decimal("2.5") * n
        assert len(contents["flat_goals"]) == (2 if plan is small else 12)
        assert len(contents["reviews"]) == n and len(contents["amendments"]) == n
    assert counts[0] == counts[1], counts
    client = user_client(LEADER)
    client.get("/")  # warm-up: the session's idle stamp and the shell's cached role lines are written once
    views = []
    for plan in (small, big):
        fresh(plan)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/iep/{plan.pk}/print/").status_code == 200
        views.append(len(ctx.captured_queries))
    assert views[0] == views[1], views

