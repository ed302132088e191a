"""Scale data of home-delivered education (HB-4, HB-7): generated enrolments, visits and postings agree with what
the services compute."""

from decimal import Decimal

from suiban.demo import homebound_scale as scale
from suiban.funds.models import LedgerEntry
from suiban.homebound import selectors
from suiban.homebound.models import Enrolment, Visit, VisitWeek


def test_generated_visits_summary_and_postings_reconcile(world):
    """HB-4/HB-7: on the demo district, ~3 % of the inclusion students (and the homebound ones) get an enrolment
    with visits; each delivered visit has two teachers and one 120-yuan posting; the enrolments' year figures and
    the weekly rows equal the sums of the visits; running it again adds nothing."""
    counts = scale.generate(seed=3, share=0.03, path="350000/350200/350205/", log=None)
    assert counts["enrolments"] >= 1 and counts["visits"] > 0
    ids = list(Enrolment.objects.filter(region_path__startswith="350000/350200/350205/",
                                        visits__notes="生成的送教记录").distinct().values_list("pk", flat=True))
    delivered = Visit.objects.filter(enrolment_id__in=ids, status="delivered")
    assert all(v.visit_teachers.count() == 2 for v in delivered[:20])
    assert LedgerEntry.objects.filter(origin_ref__in=[f"visit:{v.pk}:1" for v in delivered]).count() == \
        delivered.count()
    for e in Enrolment.objects.filter(pk__in=ids[:5]):
        hours = sum((v.hours for v in e.visits.filter(status="delivered")), Decimal(0))
        assert e.hours_delivered == hours
        assert sum(w.hours for w in VisitWeek.objects.filter(enrolment=e)) == hours
        assert selectors.progress(e)["hours_year"] == float(hours)
    again = scale.generate(seed=3, share=0.03, path="350000/350200/350205/", log=None)
    assert again["enrolments"] == 0 and again["visits"] == 0
