"""The root catalog (LOCALE_PATHS) takes precedence over the catalogs of the apps: a generic msgid ("status", "name",
"date", "field", "active") translated in the root for one meaning used to show that word on the pages of other
apps (a home visit's status as 学籍状态, an expert's name as 名称, a ledger date as 移交日期). Labels whose meaning
differs carry a context; each page shows its own word (UI: Chinese labels that mean what they say)."""

import gettext
from pathlib import Path

import pytest
from django.utils import translation

from suiban.funds.models import LedgerEntry, LedgerPeriod
from suiban.homebound.forms import ConfirmForm
from suiban.homebound.models import Visit
from suiban.oversight.models import CensusChild, Finding
from suiban.rooms.forms import RoomForm
from suiban.staff.forms import ExpertForm
from suiban.staff.models import Expert, StaffMember, Training
from suiban.students.models import Handover

ROOT = Path(__file__).resolve().parents[2]


def _catalog(path) -> dict:
    with open(path, "rb") as f:
        return gettext.GNUTranslations(f)._catalog


def _label(model, field):
    return str(model._meta.get_field(field).verbose_name)


@pytest.mark.parametrize(("label", "expected"), [
    (lambda: _label(Visit, "status"), "送教情况"),
    (lambda: str(ConfirmForm.base_fields["met"].label), "符合"),
    (lambda: _label(LedgerEntry, "date"), "日期"),
    (lambda: _label(LedgerPeriod, "kind"), "期间"),
    (lambda: _label(Finding, "evidence"), "依据数据"),
    (lambda: str(Finding._meta.verbose_name), "问题"),
    (lambda: _label(CensusChild, "name"), "姓名"),
    (lambda: str(RoomForm.base_fields["name"].label), "名称"),
    (lambda: _label(Expert, "field"), "专业领域"),
    (lambda: str(ExpertForm.base_fields["field"].label), "专业领域"),
    (lambda: str(ExpertForm.base_fields["name"].label), "姓名"),
    (lambda: _label(StaffMember, "is_active"), "在职"),
    (lambda: str(dict(Training.LEVEL_CHOICES)[Training.PROVINCE]), "省级"),
    (lambda: _label(Handover, "handed_over_on"), "移交日期"),
], ids=["visit status", "criterion met", "ledger date", "ledger period", "finding evidence", "finding",
        "census child name",
        "room name", "expert field", "expert form field", "expert form name", "staff active", "training level",
        "handover date"])
def test_app_labels_show_their_own_chinese_word_not_the_root_catalogs(label, expected):
    """UI (Chinese pages): the label of each app in the meaning of that app, whatever the root catalog says."""
    with translation.override("zh-hans"):
        assert label() == expected


def test_no_context_free_msgid_of_an_app_means_something_else_in_the_root_for_the_listed_labels():
    """UI: the generic msgids that were shown with the root's wrong meaning are no longer translated differently by
    an app catalog and the root without a context."""
    root = _catalog(ROOT / "locale/zh_Hans/LC_MESSAGES/django.mo")
    fixed = {"date", "status", "field", "active", "name", "Name", "finding", "students", "met", "not met", "period",
             "case", "Province", "City", "County / district", "School"}
    clashes = []
    for mo in sorted(ROOT.glob("suiban/*/locale/zh_Hans/LC_MESSAGES/django.mo")):
        catalog = _catalog(mo)
        clashes += [(mo.parts[-5], k) for k in sorted(fixed) if k in catalog and k in root and catalog[k] != root[k]]
    assert not clashes
