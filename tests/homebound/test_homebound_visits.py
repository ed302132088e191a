"""Home visits: two teachers from the pool (HB-2, HB-4), hours and short visits (HB-4), modes and guardian training
(HB-5), records, corrections and attachments (HB-6), subsidy postings (HB-7)."""

import threading
from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from suiban.core.errors import DomainError, PermissionDenied, VersionConflict
from suiban.funds.models import LedgerEntry
from suiban.homebound import visits
from suiban.homebound.models import Visit, VisitWeek

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _day(year, weekday=1, week=1):
    """A day of an early week of the school year (Tuesday of the second week by default)."""
    start = year.start_date - timedelta(days=year.start_date.weekday())
    return start + timedelta(days=7 * week + weekday)


def _record(world, e, day, teachers, user="hc_s1_resource", **kw):
    kw.setdefault("start_time", time(9, 0))
    kw.setdefault("end_time", time(12, 0))
    return visits.visit_record(actor=world.users[user], enrolment=e, date=day, teacher_ids=teachers, **kw)


def _entries(v):
    return LedgerEntry.objects.filter(origin="homebound_subsidy", origin_ref__startswith=f"visit:{v.pk}:")


def test_a_visit_posts_teachers_times_sixty(world, year, pool, active_enrolment):
    """HB-4/HB-7: a delivered visit by two pool teachers posts one expense of 2 × 60 yuan, category
    transport_subsidy, origin homebound_subsidy, in the school's ledger of the year."""
    e = active_enrolment()
    v = _record(world, e, _day(year), pool[:2], mode="remote", online=True, guardian_training=True)
    assert v.hours == Decimal("3.00") and not v.short
    assert (v.mode, v.online, v.guardian_training) == ("remote", True, True)
    entry = _entries(v).get()
    assert (entry.kind, entry.amount, entry.category, entry.school_id, entry.school_year_id) == (
        "expense", Decimal("120.00"), "transport_subsidy", e.school_id, year.pk)
    assert v.subsidy == Decimal("120.00") and v.ledger_entry == entry


def test_too_few_teachers_is_refused_and_posts_nothing(world, year, pool, active_enrolment):
    """HB-4: fewer teachers than teachers_per_visit → 422 too_few_teachers; no visit, no ledger entry."""
    e = active_enrolment()
    before = LedgerEntry.objects.count()
    with pytest.raises(DomainError) as exc:
        _record(world, e, _day(year), pool[:1])
    assert exc.value.code == "too_few_teachers"
    assert not Visit.objects.filter(enrolment=e).exists() and LedgerEntry.objects.count() == before


def test_teacher_outside_the_pool_is_refused(world, year, pool, outsider, active_enrolment):
    """HB-2: a teacher outside the school's filed pool of the year → 422 teacher_not_in_pool."""
    e = active_enrolment()
    with pytest.raises(DomainError) as exc:
        _record(world, e, _day(year), [pool[0], outsider.pk])
    assert exc.value.code == "teacher_not_in_pool"
    assert exc.value.errors[0]["field"] == "teacher_ids[1]"


def test_hours_come_from_the_times_and_a_short_visit_is_kept_and_flagged(world, year, pool, active_enrolment):
    """HB-4: 9:00–11:20 is 2.33 hours — kept as such and flagged short (under 3), never rounded up; the week
    it is in is not met."""
    e = active_enrolment()
    v = _record(world, e, _day(year), pool[:2], end_time=time(11, 20))
    assert v.hours == Decimal("2.33") and v.short
    week = VisitWeek.objects.get(enrolment=e, week_start=visits.week_start(v.date))
    assert (week.visits, week.short_visits, week.met) == (1, 1, False)
    with pytest.raises(DomainError):
        _record(world, e, _day(year, 2), pool[:2], start_time=time(12, 0), end_time=time(11, 0))


def test_week_met_with_two_full_visits(world, year, pool, active_enrolment):
    """HB-4: two visits of three hours in a term week meet the week (⚙ 2 visits, 3 hours each)."""
    e = active_enrolment()
    _record(world, e, _day(year, 1), pool[:2])
    assert not VisitWeek.objects.get(enrolment=e, week_start=visits.week_start(_day(year))).met
    _record(world, e, _day(year, 3), pool[:2])
    week = VisitWeek.objects.get(enrolment=e, week_start=visits.week_start(_day(year)))
    assert (week.visits, week.hours, week.required_visits, week.met) == (2, Decimal("6.00"), 2, True)
    e.refresh_from_db()
    assert (e.visits_delivered, e.hours_delivered) == (2, Decimal("6.00"))


def test_retried_client_ref_creates_one_visit_and_one_entry(world, year, pool, active_enrolment):
    """HB-6/HB-7: a retried POST from a phone with the same client_ref answers the first visit and creates
    nothing — one visit, one ledger entry."""
    e = active_enrolment()
    first = _record(world, e, _day(year), pool[:2], client_ref="phone-123")
    again = _record(world, e, _day(year), pool[:2], client_ref="phone-123", notes="重发")
    assert again.pk == first.pk
    assert Visit.objects.filter(enrolment=e).count() == 1
    assert _entries(first).count() == 1


def test_correction_records_before_after_and_reverses_the_subsidy(world, year, pool, active_enrolment):
    """HB-6/HB-7: a correction keeps the original, records before/after, who and why, and reverses the visit's
    entry and posts the new version's; the ledger nets to the new amount."""
    e = active_enrolment()
    v = _record(world, e, _day(year), pool[:2])
    old_entry = v.ledger_entry
    v = visits.visit_correct(actor=world.users["hc_s1_resource"], visit=v, reason="第三位老师同去",
                             version=v.version, teacher_ids=pool[:3])
    c = v.corrections.get()
    assert c.before["teacher_ids"] == pool[:2] and c.after["teacher_ids"] == pool[:3]
    assert c.corrected_by == world.users["hc_s1_resource"] and c.reason == "第三位老师同去"
    assert v.original["teacher_ids"] == pool[:2]
    assert LedgerEntry.objects.filter(reverses=old_entry).count() == 1
    assert v.ledger_entry.amount == Decimal("180.00") and v.ledger_entry.origin_ref == f"visit:{v.pk}:2"
    net = sum(x.amount if x.kind == "expense" else -x.amount
              for x in LedgerEntry.objects.filter(origin="homebound_subsidy", school=e.school)
              .filter(pk__in=[old_entry.pk, v.ledger_entry_id, old_entry.reversed_by.pk]))
    assert net == Decimal("180.00")


def test_notes_correction_moves_no_money(world, year, pool, active_enrolment):
    """HB-7: a correction that does not change the subsidy posts nothing."""
    e = active_enrolment()
    v = _record(world, e, _day(year), pool[:2])
    n = LedgerEntry.objects.count()
    visits.visit_correct(actor=world.users["hc_s1_resource"], visit=v, reason="补写小记", notes="认识水果")
    assert LedgerEntry.objects.count() == n


def test_stale_correction_is_refused_and_posts_no_second_reversal(world, year, pool, active_enrolment):
    """HB-7 (SEC-6): two corrections of one visit read at the same version: the second is refused (409), so the
    visit's entry is reversed once."""
    e = active_enrolment()
    v = _record(world, e, _day(year), pool[:2])
    visits.visit_correct(actor=world.users["hc_s1_resource"], visit=v, reason="孩子生病", version=1,
                         status="cancelled", reason_code="child_ill")
    with pytest.raises(VersionConflict):
        visits.visit_correct(actor=world.users["hc_s1_leader"], visit=v, reason="改时间", version=1,
                             end_time=time(12, 30))
    assert LedgerEntry.objects.filter(reverses=v.ledger_entry).count() == 1
    v.refresh_from_db()
    assert v.status == "cancelled" and v.ledger_entry is None and v.subsidy == 0


@pytest.fixture(scope="module")
def restore_demo_world(django_db_blocker):
    yield
    from suiban.demo import world as demo

    with django_db_blocker.unblock():
        demo.load()


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="needs PostgreSQL: SQLite has no row locks (SELECT … FOR UPDATE) and serialises "
                           "every writer on the whole database, so there is no race to test")
@pytest.mark.django_db(transaction=True)
def test_racing_corrections_never_post_two_reversals(world, restore_demo_world):
    """HB-7: two corrections of one visit started at the same instant on two connections: the visit row lock and
    the version serialise them — one succeeds, the other gets version_conflict; one reversal."""
    from hb_helpers import CONFIRMED

    from suiban.demo import world as demo
    from suiban.demo.homebound import _pool
    from suiban.homebound import services
    from suiban.org.models import School

    year = world.years[demo.current_start_year()]
    school = School.objects.get(code="3502050101")
    teachers = _pool(world, school, year)
    e = services.enrolment_create(actor=world.users["hc_s1_leader"], student=_fresh(world), school_year=year,
                                  start_date=year.start_date, teacher_ids=teachers, eligibility=CONFIRMED)
    e = services.enrolment_update(actor=world.users["hc_s1_leader"], enrolment=e, state="active")
    v = _record(world, e, _day(year), teachers)
    barrier, results = threading.Barrier(2), []

    def correct(username, end):
        from suiban.accounts.models import User

        try:
            actor = User.objects.get(username=username)
            visit = Visit.objects.get(pk=v.pk)
            barrier.wait(timeout=30)
            # Both cancel the visit (child ill): the subsidy changes, so each would reverse the posting.
            visits.visit_correct(actor=actor, visit=visit, reason="更正", version=1, end_time=end,
                                 status="cancelled", reason_code="child_ill")
            results.append("ok")
        except DomainError as exc:
            results.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=correct, args=(u, t)) for u, t in
               (("hc_s1_resource", time(12, 10)), ("hc_s1_leader", time(12, 20)))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results) == ["ok", "version_conflict"]
    assert LedgerEntry.objects.filter(reverses_id=v.ledger_entry_id).count() == 1


def _fresh(world):
    from datetime import date

    from suiban.demo import world as demo
    from suiban.org.models import School
    from suiban.students import services as student_services

    start = demo.current_start_year()
    s, _w = student_services.student_create(
        actor=world.users["hc_bureau"], name="竞态", gender="male", birth_date=date(start - 9, 5, 1),
        student_number="L350205990000000001", hukou_region_code="350205", school=School.objects.get(code="3502050101"),
        grade=3, disability_category="multiple", disability_grade=1, certified_by="dpf", placement="homebound",
        status="active", committee_opinion="送教", guardians=[{"name": "家长", "relation": "母亲"}])
    return s


def test_second_teacher_confirms_on_the_same_record(world, year, pool, active_enrolment):
    """HB-4: one visit, one record: the recording teacher is confirmed; the second teacher confirms presence on
    the same visit (no second record); a teacher not on the visit cannot."""
    from suiban.accounts.models import User
    from suiban.staff.models import StaffMember

    e = active_enrolment()
    v = _record(world, e, _day(year), pool[:2])
    confirmed = {t.staff_id: t.confirmed_at is not None for t in v.visit_teachers.all()}
    assert confirmed == {pool[0]: True, pool[1]: False}
    colleague = StaffMember.objects.get(pk=pool[1])
    user = User.objects.create_user(username="hb_colleague", password="x-Long-pass-2026",
                                    password_changed_at=timezone.now())
    colleague.user = user
    colleague.save()
    from suiban.accounts.models import RoleAssignment

    RoleAssignment.objects.create(user=user, role="resource_teacher", school=e.school)
    visits.visit_confirm(actor=user, visit=v)
    assert all(t.confirmed_at for t in v.visit_teachers.all())
    assert Visit.objects.filter(enrolment=e).count() == 1
    with pytest.raises(PermissionDenied):
        visits.visit_confirm(actor=world.users["hc_s1_leader"], visit=v)


def test_disowning_teacher_triggers_correction_and_reversal(world, year, pool, active_enrolment):
    """HB-4/HB-7: a teacher named on a visit who says they were not there: a recorded correction removes them,
    the subsidy is reversed and the remaining teacher's posted."""
    e = active_enrolment()
    v = _record(world, e, _day(year), pool[:2])
    old = v.ledger_entry
    v = visits.visit_disown(actor=world.users["hc_s1_resource"], visit=v, reason="那天我在外校听课")
    assert [t.staff_id for t in v.visit_teachers.all()] == [pool[1]]
    c = v.corrections.get()
    assert c.kind == "disowned" and c.before["teacher_ids"] == pool[:2]
    assert LedgerEntry.objects.filter(reverses=old).count() == 1
    assert v.ledger_entry.amount == Decimal("60.00")


def test_missed_visit_keeps_reason_family_told_and_make_up(world, year, pool, active_enrolment):
    """HB-4/HB-6: a missed visit records its reason, whether the family was told and the make-up planned; it
    posts nothing and counts as missed in its week."""
    e = active_enrolment()
    day = _day(year)
    with pytest.raises(DomainError) as exc:
        visits.visit_record(actor=world.users["hc_s1_resource"], enrolment=e, date=day, status="missed")
    assert exc.value.errors[0]["field"] == "reason"
    v = visits.visit_record(actor=world.users["hc_s1_resource"], enrolment=e, date=day, status="missed",
                            reason="family_absent", family_informed=True, makeup_date=day + timedelta(days=2))
    assert (v.reason, v.family_informed, v.subsidy, v.ledger_entry) == ("family_absent", True, 0, None)
    assert VisitWeek.objects.get(enrolment=e, week_start=visits.week_start(day)).missed_visits == 1


def test_visit_needs_an_active_enrolment_and_a_past_date(world, year, pool, homebound_student):
    """HB-4: visits are recorded for an active enrolment, not in the future."""
    from suiban.homebound import services

    e = services.enrolment_create(actor=world.users["hc_s1_leader"], student=homebound_student(), school_year=year,
                                  teacher_ids=pool[:2])
    with pytest.raises(DomainError) as exc:
        _record(world, e, _day(year), pool[:2])
    assert exc.value.errors[0]["code"] == "not_active"


def test_photos_are_checked_by_content_and_size(world, year, pool, active_enrolment, settings):
    """HB-6 (SEC-5): a photo is accepted by its content; a text file named .jpg or an oversized photo is refused."""
    e = active_enrolment()
    v = _record(world, e, _day(year), pool[:2])
    a = visits.attachment_add(actor=world.users["hc_s1_resource"], visit=v,
                              uploaded_file=SimpleUploadedFile("课堂.png", PNG, "image/png"))
    assert a.content_type == "image/png" and a.file.name.startswith("homebound/")
    with pytest.raises(DomainError) as exc:
        visits.attachment_add(actor=world.users["hc_s1_resource"], visit=v,
                              uploaded_file=SimpleUploadedFile("fake.jpg", b"hello world", "image/jpeg"))
    assert exc.value.errors[0]["code"] == "file_type"
    settings.SUIBAN_HOMEBOUND_PHOTO_MAX_BYTES = 16
    with pytest.raises(DomainError) as exc:
        visits.attachment_add(actor=world.users["hc_s1_resource"], visit=v,
                              uploaded_file=SimpleUploadedFile("big.png", PNG, "image/png"))
    assert exc.value.errors[0]["code"] == "file_too_large"
    assert v.attachments.count() == 1


def test_a_school_without_the_student_cannot_record(world, year, pool, active_enrolment):
    """HB-4: staff of another school do not see the enrolment (404, never 403)."""
    from suiban.core.errors import NotFound

    e = active_enrolment()
    with pytest.raises(NotFound):
        _record(world, e, _day(year), pool[:2], user="hc_s2_leader")


def test_visits_are_audited(world, year, pool, active_enrolment):
    """HB-6: every write is audited."""
    from suiban.core.models import AuditEvent

    e = active_enrolment()
    v = _record(world, e, _day(year), pool[:2])
    assert AuditEvent.objects.filter(action="homebound.visit.recorded", object_id=str(v.pk)).exists()
