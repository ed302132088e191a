"""Platform journey in a real browser: hc_bureau, hc_s1_resource and auditor log in through the form, see
their name, role and real figures on the home page, walk every side-menu entry, and leave a screenshot of
each page in tests/e2e/screenshots/<user>-<menu>.png. Plus a phone-width menu check and a CJK-font check.
"""

import re
import shutil
import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone, translation

pytestmark = pytest.mark.e2e

# The menu each account saw when this journey was written, derived from suiban/core/menu.py (entry →
# permission) and the roles of suiban/core/permissions.py: bureau_officer has org.view, policy.view and
# audit.view; resource_teacher org.view and policy.view; auditor only audit.view/audit.export. Modules still
# being built add entries (e.g. "students"), so the exact menu is recomputed from the registries by
# registry_menu(); these lists must appear in it, in this order, and NEVER_IN_MENU must not.
BASELINE_MENU = {
    "hc_bureau": ["home", "regions", "schools", "classes", "centres", "years", "policy", "audit"],
    "hc_s1_resource": ["home", "regions", "schools", "classes", "centres", "years", "policy"],
    "auditor": ["home", "audit"],
}
NEVER_IN_MENU = {"hc_bureau": {"users"}, "hc_s1_resource": {"users", "audit"}, "auditor": set()}
AUDITOR_MENU = ["home", "audit"]  # the audit administrator sees the audit log and nothing else, ever
EXPECTED_PANELS = {  # data-stat figures each must see (at least); the auditor sees no organisation data
    "hc_bureau": ["school_count", "class_count", "region_count", "events_today", "failed_logins", "exports"],
    "hc_s1_resource": ["school_count", "class_count", "region_count"],
    "auditor": ["events_today", "failed_logins", "exports"],
}


def zh(text) -> str:
    with translation.override("zh-hans"):
        return str(text)


def error_headings() -> list[str]:
    return [zh(translation.gettext_lazy("Permission denied")), zh(translation.gettext_lazy("Not found"))]


def registry_menu(user) -> list[str]:
    """The menu keys the user's roles allow, computed from the registries (not through menu_for)."""
    from suiban.core.menu import MENU
    from suiban.core.permissions import ROLES

    perms = set().union(*(ROLES[a.role].permissions for a in user.active_assignments()))
    return [m.key for m in MENU if m.permission is None or m.permission in perms]


def expected_menu(world, username) -> list[str]:
    keys = registry_menu(world.users[username])
    baseline = BASELINE_MENU[username]
    assert [k for k in keys if k in baseline] == baseline, f"{username}: {baseline} not all in {keys}"
    assert not NEVER_IN_MENU[username] & set(keys), f"{username} would see {NEVER_IN_MENU[username]}"
    if username == "auditor":
        assert keys == AUDITOR_MENU
    return keys


def menu_keys(page) -> list[str]:
    return page.locator("#sb-menu a[data-menu]").evaluate_all("els => els.map(e => e.dataset.menu)")


def stat(page, key: str) -> int:
    text = page.locator(f'[data-stat="{key}"]').first.inner_text().strip()
    assert re.fullmatch(r"\d+", text), f"{key} shows {text!r}, not a number"
    return int(text)


def assert_clean(page):
    """No uncaught JavaScript error and no failed request to our own server so far."""
    assert page.js_errors == [], page.js_errors
    assert page.bad_responses == [], page.bad_responses


def check_home(page, world, username):
    from suiban.org.models import School, SchoolClass, SchoolYear

    user = world.users[username]
    heading = page.locator("main h1")
    assert user.full_name in heading.inner_text()
    assert user.full_name in page.locator("#sb-user-menu").inner_text()
    roles_line = page.locator("main h1 + p").inner_text()
    assignments = list(user.active_assignments())
    assert assignments, f"{username} has no role in the demo world"
    for a in assignments:
        assert zh(a.role_label) in roles_line
        assert zh(a.scope_name) in roles_line

    shown = set(page.locator("[data-stat]").evaluate_all("els => els.map(e => e.dataset.stat)"))
    assert set(EXPECTED_PANELS[username]) <= shown
    for key in EXPECTED_PANELS[username]:
        stat(page, key)  # numeric
    if username == "auditor":
        assert "school_count" not in shown

    year = SchoolYear.current()
    if username == "hc_bureau":
        schools = School.objects.filter(region__code="350205")
        assert schools.count() >= 5
        assert stat(page, "school_count") == schools.count()
        classes = SchoolClass.objects.filter(school__in=schools, school_year=year).count()
        assert stat(page, "class_count") == classes
    elif username == "hc_s1_resource":
        classes = SchoolClass.objects.filter(school__code="3502050101", school_year=year).count()
        assert classes > 0
        assert stat(page, "school_count") == 1
        assert stat(page, "class_count") == classes
    elif username == "auditor":
        from suiban.core.models import AuditEvent

        events = AuditEvent.objects.visible_to(user)
        start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        today = events.filter(at__gte=start).count()
        assert today >= 1  # at least the login we just made
        assert stat(page, "events_today") == today
        assert stat(page, "failed_logins") == events.filter(
            action="accounts.login.failed", at__gte=timezone.now() - timedelta(hours=24)).count()
        panel = page.locator(".card", has=page.locator('[data-stat="events_today"]'))
        recent = panel.locator("table").inner_text()
        assert "登录" in recent and "accounts.login" not in recent  # actions in words, not codes


def visit_menu(page, server, username, key, menu):
    link = page.locator(f'#sb-menu a[data-menu="{key}"]')
    url = server + link.get_attribute("href")
    with page.expect_response(lambda r: r.url == url and r.request.is_navigation_request()) as info:
        link.click()
    page.wait_for_load_state("networkidle")
    response = info.value
    assert response.status == 200, f"{username} → {key}: HTTP {response.status}"
    assert page.locator("main h1").count() >= 1, f"{username} → {key}: no h1"
    heading = page.locator("main h1").first.inner_text()
    for bad in error_headings():
        assert bad not in heading, f"{username} → {key}: {heading}"
    assert "active" in (page.locator(f'#sb-menu a[data-menu="{key}"]').get_attribute("class") or "")
    assert menu_keys(page) == menu, f"menu changed on {key}"


@pytest.mark.parametrize("username", list(BASELINE_MENU))
def test_journey(page, server, e2e_world, ui, username):
    menu = expected_menu(e2e_world, username)
    page.goto(f"{server}/accounts/login/")
    if username == "hc_bureau":
        ui.shot(page, "login")
    ui.login(page, server, username)

    assert menu_keys(page) == menu
    problems = []  # home-page findings are collected so the walk (and its screenshots) still goes on
    try:
        check_home(page, e2e_world, username)
    except AssertionError as exc:
        problems.append(f"home page: {exc}")

    for key in menu:
        visit_menu(page, server, username, key, menu)
        ui.shot(page, f"{username}-{key}")
    assert_clean(page)
    assert not problems, "\n".join(problems)


def test_auditor_searches_and_exports(page, server, e2e_world, ui, tmp_path):
    from openpyxl import load_workbook

    from suiban.core.models import AuditEvent

    ui.login(page, server, "auditor")
    visit_menu(page, server, "auditor", "audit", expected_menu(e2e_world, "auditor"))

    form = page.locator("form.sb-filters")
    form.locator('input[name="actor"]').fill("auditor")
    with page.expect_response(lambda r: "actor=auditor" in r.url and r.request.is_navigation_request()):
        form.locator("button").first.click()
    page.wait_for_load_state("networkidle")
    ui.shot(page, "auditor-audit-search")

    rows = page.locator("main table tbody tr")
    mine = AuditEvent.objects.filter(actor_username="auditor")
    expected = mine.count()
    assert expected >= 1
    assert rows.count() == expected
    for i in range(rows.count()):
        cells = rows.nth(i).locator("td")
        assert cells.nth(1).inner_text().strip() == "auditor"
        assert not re.search(r"[a-z]+\.[a-z_]+\.[a-z_]+", cells.nth(2).inner_text())  # the action in words

    export = page.locator('main a[href*="/audit/export.xlsx"]')
    assert "actor=auditor" in export.get_attribute("href")  # the export keeps the search filters
    with page.expect_download() as info:
        export.click()
    download = info.value
    assert download.failure() is None
    assert re.fullmatch(r"audit-\d{8}\.xlsx", download.suggested_filename)
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    sheet = load_workbook(target, read_only=True).worksheets[0]
    data = list(sheet.iter_rows(values_only=True))
    assert len(data) == 1 + expected
    assert all(r[1] == "auditor" and not re.search(r"[a-z]+\.[a-z_]+\.[a-z_]+", r[2]) for r in data[1:])

    exported = AuditEvent.objects.filter(action="audit.log.exported", actor_username="auditor")
    assert exported.count() == 1
    assert exported.get().changes["rows"] == expected
    assert_clean(page)


def test_phone_menu_behind_toggle(new_page, server, e2e_world, ui):
    page = new_page(viewport=ui.PHONE)
    ui.login(page, server, "hc_s1_resource")
    menu = page.locator("#sb-menu")
    toggle = page.locator('button[data-bs-toggle="offcanvas"][data-bs-target="#sb-sidebar"]')
    assert toggle.is_visible()
    assert not menu.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "home scrolls sideways on a phone"
    ui.shot(page, "hc_s1_resource-phone-home")

    toggle.click()
    page.locator("#sb-sidebar.show").wait_for()
    page.wait_for_timeout(400)  # let the offcanvas slide-in finish before the screenshot
    assert menu.is_visible()
    assert menu_keys(page) == expected_menu(e2e_world, "hc_s1_resource")
    assert page.locator('#sb-menu a[data-menu="schools"]').is_visible()
    ui.shot(page, "hc_s1_resource-phone-menu")

    page.locator('#sb-menu a[data-menu="schools"]').click()
    page.wait_for_url(f"{server}/org/schools/**")
    page.wait_for_load_state("networkidle")
    assert not menu.is_visible()
    ui.shot(page, "hc_s1_resource-phone-schools")
    assert_clean(page)


def test_chinese_renders_with_a_cjk_font(page, server, e2e_world, ui):
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        pytest.skip("fc-list is not installed")
    fonts = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True, check=True).stdout
    assert fonts.strip(), "no font covering Chinese is installed (apt-get install fonts-noto-cjk)"

    ui.login(page, server, "hc_bureau")
    assert "随班" in page.title()
    # Two different characters must draw differently: missing glyphs all come out as the same box.
    distinct = page.evaluate("""() => {
        const font = getComputedStyle(document.body).fontFamily;
        const draw = (ch) => {
            const c = document.createElement('canvas'); c.width = 48; c.height = 48;
            const g = c.getContext('2d'); g.font = '32px ' + font; g.fillText(ch, 4, 38);
            return Array.from(g.getImageData(0, 0, 48, 48).data).join(',');
        };
        return [draw('随'), draw('班'), draw('区')];
    }""")
    assert len(set(distinct)) == 3, "Chinese characters render as identical boxes (tofu)"
    assert page.evaluate("document.fonts.check(\"16px 'Noto Sans CJK SC'\")")
    ui.shot(page, "hc_bureau-home-cjk")
    assert_clean(page)
