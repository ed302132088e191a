"""Designated schools (定点学校, PL-15): the bureau names ordinary schools that take children of some disability
categories first; everyone who reads oversight sees those in scope, with filters; placing a child from the census
suggests them first. The write goes through ``services.school_designate``."""

from datetime import timedelta

import pytest
from django.utils import timezone

from suiban.core.errors import DomainError, PermissionDenied
from suiban.core.models import AuditEvent
from suiban.org.models import School
from suiban.oversight import services
from suiban.oversight.models import CensusChild, DesignatedSchool

HC_S1, HC_S2 = "3502050101", "3502050102"


def _today():
    return timezone.localdate()


def test_list_shows_the_designated_schools_in_scope_with_filters(world, user_client, django_assert_max_num_queries):
    """PL-15: the bureau's list shows its region's designated schools with the categories in words, filtered by
    category and name; another province's bureau does not see them."""
    c = user_client("hc_bureau")
    with django_assert_max_num_queries(16):
        html = c.get("/oversight/designated/").content.decode()
    s2 = School.objects.get(code=HC_S2)
    assert s2.name in html and "听力" in html and "视力" in html and ">hearing<" not in html
    assert s2.name in c.get("/oversight/designated/?category=hearing").content.decode()
    assert s2.name not in c.get("/oversight/designated/?category=intellectual").content.decode()
    assert s2.name not in c.get("/oversight/designated/?q=不存在的学校").content.decode()
    assert s2.name not in user_client("gd_bureau").get("/oversight/designated/").content.decode()
    assert c.get("/oversight/designated/?region=999999").status_code == 404


def test_bureau_names_a_designated_school_on_the_list_page(world, user_client):
    """PL-15: the bureau names a school for a category on the list page, through the service (one audit row), and
    lands on its detail."""
    s1 = School.objects.get(code=HC_S1)
    c = user_client("hc_bureau")
    page = c.get("/oversight/designated/").content.decode()
    assert f'value="{s1.pk}"' in page  # the not yet designated ordinary school is offered
    r = c.post("/oversight/designated/", {"school": s1.pk, "categories": ["intellectual"],
                                          "designated_on": _today().isoformat(), "note": "智力障碍学生定点"})
    d = DesignatedSchool.objects.get(school=s1)
    assert r.status_code == 302 and r["Location"] == f"/oversight/designated/{d.pk}/"
    assert d.categories == ["intellectual"] and d.region_path == s1.region_path
    assert AuditEvent.objects.filter(action="oversight.designated_school.set", object_id=str(d.pk)).count() == 1


def test_the_census_suggests_a_designated_school_first(world):
    """PL-15: among the nearest schools of a census child's home district, a school designated for the child's
    disability category is suggested first."""
    child = CensusChild.objects.get(name="林小雨")  # not in school yet
    child.disability_category = "intellectual"
    child.save(update_fields=["disability_category"])
    nearest = services.suggest_schools(child, limit=50)
    assert len(nearest) >= 2
    last = nearest[-1]
    services.school_designate(actor=world.users["hc_bureau"], school=last, categories=["intellectual"],
                              designated_on=_today())
    assert services.suggest_schools(child, limit=50)[0] == last


def test_detail_page_and_its_change(world, user_client):
    """PL-15: the detail shows the categories, since when, the school's students of those categories; the bureau
    changes it (a stale form is refused), the school's leader reads it but may not change it."""
    s2 = School.objects.get(code=HC_S2)
    d = DesignatedSchool.objects.get(school=s2)
    url = f"/oversight/designated/{d.pk}/"
    leader = user_client("hc_s2_leader")
    html = leader.get(url).content.decode()
    assert "听力" in html and "name=\"categories\"" not in html
    assert leader.post(url, {"categories": ["visual"], "designated_on": _today().isoformat()}).status_code == 403
    bureau = user_client("hc_bureau")
    assert 'name="categories"' in bureau.get(url).content.decode()
    r = bureau.post(url, {"categories": ["visual"], "designated_on": _today().isoformat(), "note": "只接收视障",
                          "version": d.version})
    assert r.status_code == 302
    d.refresh_from_db()
    assert d.categories == ["visual"] and d.note == "只接收视障"
    stale = bureau.post(url, {"categories": ["hearing"], "designated_on": _today().isoformat(),
                              "version": d.version - 1})
    assert stale.status_code == 200
    d.refresh_from_db()
    assert d.categories == ["visual"]
    assert user_client("gd_bureau").get(url).status_code == 404


def test_service_validates_every_field_and_the_permission(world):
    """PL-15: unknown categories and a future or missing date are refused with their fields named at once; only a
    holder of the governance permission in scope may designate."""
    s1 = School.objects.get(code=HC_S1)
    with pytest.raises(DomainError) as exc:
        services.school_designate(actor=world.users["hc_bureau"], school=s1, categories=["telepathy"],
                                  designated_on=_today() + timedelta(days=3))
    assert {e["field"] for e in exc.value.errors} == {"categories", "designated_on"}
    with pytest.raises(PermissionDenied):
        services.school_designate(actor=world.users["hc_s1_leader"], school=s1, categories=[],
                                  designated_on=_today())
    with pytest.raises(PermissionDenied):
        services.school_designate(actor=world.users["gd_bureau"], school=s1, categories=[], designated_on=_today())


def test_menu_entry_for_the_roles_that_manage_designated_schools(world, user_client):
    """PL-15: the side menu offers the page to the bureau, not to a school leader."""
    assert 'href="/oversight/designated/"' in user_client("hc_bureau").get("/").content.decode()
    assert 'href="/oversight/designated/"' not in user_client("hc_s1_leader").get("/").content.decode()
