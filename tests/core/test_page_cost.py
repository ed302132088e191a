"""The fixed cost of a page (issue 9 "Speed"): what the shell shows does not change per request, so it is built
once — the side menu per set of permissions, active entry and language; the static links, labels and dialogs per
language — and list rows use tags and filters that give the same markup as the template loops they replace,
without losing what a role may see (ORG-4), the Chinese labels or what a screen reader is told."""

import datetime
import re
from decimal import Decimal

import pytest
from django.template import engines
from django.template.defaultfilters import floatformat
from django.test import RequestFactory
from django.utils import timezone, translation

from suiban.accounts import services
from suiban.accounts.models import RoleAssignment, User
from suiban.core.menu import menu_for, menu_html

pytestmark = pytest.mark.django_db

OLD_MENU = """{% for group, items in shell_menu %}
        {% if group %}<div class="sb-menu-group small text-muted px-2 mt-3 mb-1">{{ group }}</div>{% endif %}
        <ul class="nav nav-pills flex-column">
        {% for item in items %}<li class="nav-item"><a class="nav-link {% if item.active %}active{% endif %}" \
data-menu="{{ item.key }}" href="{{ item.url }}"><i class="bi bi-{{ item.icon }}"></i> {{ item.label }}</a></li>\
{% endfor %}
        </ul>
      {% endfor %}"""


def _tags(html):
    """The menu's markup without the whitespace between tags."""
    return re.sub(r">\s+<", "><", html.strip())


def _render(source, **context):
    return engines["django"].from_string(source).render(context)


@pytest.mark.parametrize("account, path", [("hc_bureau", "/students/"), ("hc_s1_leader", "/iep/sessions/"),
                                           ("auditor", "/audit/"), ("hc_bureau", "/")])
def test_the_cached_menu_is_the_menu_the_template_loop_drew(world, account, path):
    """ORG-4: the side menu drawn from the cache has the same entries, groups, active entry and Chinese labels
    as the template loop over menu_for() that it replaces."""
    user = User.objects.get(username=account)
    with translation.override("zh-hans"):
        old = _render(OLD_MENU, shell_menu=menu_for(user, path))
        new = str(menu_html(user, path))
        assert _tags(new) == _tags(old)
        assert "nav-link active" in new or path == "/"
        assert re.search(r"[\u4e00-\u9fff]", new)
    with translation.override("en"):
        assert _tags(str(menu_html(user, path))) == _tags(_render(OLD_MENU, shell_menu=menu_for(user, path)))


def test_a_revoked_role_leaves_the_menu_on_the_next_page(world, client):
    """ORG-4 / SEC-2: the menu is cached per set of permissions, so a revocation (a new roles_version) removes
    the entries of the role on the very next page."""
    user = User.objects.create_user("menu_probe", password="x-Pass-2026-long", password_changed_at=timezone.now())
    services.role_assign(actor=world.users["secadmin"], user=user, role="school_leader",
                         school=world.schools["3502050102"])
    client.force_login(user)
    assert 'data-menu="students"' in client.get("/").content.decode()
    services.role_revoke(actor=world.users["secadmin"],
                         assignment=RoleAssignment.objects.get(user=user, revoked_at__isnull=True))
    html = client.get("/").content.decode()
    assert 'data-menu="students"' not in html and 'data-menu="home"' in html


def test_fixed_parts_render_once_per_language_and_keep_the_nonce_per_request(user_client):
    """The shell's fixed parts follow the language; the CSP nonce of the htmx script stays per request."""
    c = user_client("hc_bureau")
    first, second = c.get("/students/"), c.get("/students/")
    nonce = re.compile(r'nonce="([^"]+)"')
    assert nonce.search(first.content.decode()).group(1) != nonce.search(second.content.decode()).group(1)
    zh = first.content.decode()
    assert "会话即将结束" in zh or "保持登录" in zh
    c.post("/i18n/setlang/", {"language": "en", "next": "/students/"})
    en = c.get("/students/").content.decode()
    assert "Stay logged in" in en and 'href="/accounts/password/' in en


def test_fixed_tag_varies_with_the_values_it_names():
    """``{% fixed v %}`` renders once per language and value of v."""
    t = engines["django"].from_string("{% load sb %}{% fixed v %}[{{ v }}{{ w }}]{% endfixed %}")
    assert t.render({"v": 1, "w": "a"}) == "[1a]"
    assert t.render({"v": 1, "w": "b"}) == "[1a]"  # w is not named: the first rendering is kept
    assert t.render({"v": 2, "w": "b"}) == "[2b]"


def test_list_tags_give_the_markup_of_the_loops_they_replace():
    """Filter options, state and overdue badges, row addresses: the same markup as the template code before."""
    class S:
        def __init__(self, pk, name):
            self.pk, self.name = pk, name

    schools = [S(1, "一中"), S(2, "<b>")]
    old = _render('{% for s in schools %}<option value="{{ s.pk }}" {% if f == s.pk|stringformat:"d" %}selected'
                  '{% endif %}>{{ s.name }}</option>{% endfor %}', schools=schools, f="2")
    assert _render('{% load sb %}{% options schools f "pk" "name" %}', schools=schools, f="2") == old
    pairs = [("a", "甲"), ("b", "乙")]
    old = _render('{% for v, l in p %}<option value="{{ v }}" {% if f == v %}selected{% endif %}>{{ l }}</option>'
                  '{% endfor %}', p=pairs, f="a")
    assert _render("{% load sb %}{% options p f %}", p=pairs, f="a") == old
    with translation.override("zh-hans"):
        assert "逾期" in _render("{% load sb %}{% overdue_badge %}")
        for state, css in (("effective", "success"), ("submitted", "warning"), ("withdrawn", "secondary")):
            assert f'text-bg-{css}" data-state="{state}">标签' in _render(
                '{% include "students/case_state_badge.html" %}', state=state, label="标签")
        assert 'sb-plan-state text-bg-success" data-state="in_force"' in _render(
            "{% load sb %}{% plan_state_badge s l %}", s="in_force", l="执行中")
    assert _render('{% load sb %}{% pk_url "students:detail" 42 %}') == _render("{% url 'students:detail' 42 %}")


def test_date_and_hours_filters_match_the_general_ones():
    """|ymd, |ymd_hms and |hours print what date:"Y-m-d", date:"Y-m-d H:i:s" and floatformat:"-2" print."""
    now = timezone.now()
    ctx = {"d": datetime.date(2026, 3, 4), "t": now, "n": None}
    assert _render('{% load sb %}{{ d|ymd }} {{ t|ymd }} {{ t|ymd_hms }} {{ n|ymd|default:"—" }}', **ctx) == \
        _render('{{ d|date:"Y-m-d" }} {{ t|date:"Y-m-d" }} {{ t|date:"Y-m-d H:i:s" }} '
                '{{ n|date:"Y-m-d"|default:"—" }}', **ctx)
    from suiban.core.templatetags.sb import hours

    for value in (Decimal("1.00"), Decimal("1.50"), Decimal("0.75"), Decimal("12.345"), 3, 2.5, Decimal("-1.5"),
                  None, ""):
        for places in ("-2", "-1"):
            assert hours(value, places) == floatformat(value, places)


def test_the_roster_page_shows_labels_not_codes(user_client):
    """PL-13: the roster read as values still shows the gender, category, placement and status in Chinese and
    the grade as a word, never the stored codes."""
    html = user_client("hc_bureau").get("/students/").content.decode()
    table = html.split('id="sb-roster"')[1]
    assert "年级" in table and re.search(r"<td>(男|女)</td>", table)
    for code in ("regular_class", "active", "male", "female", "visual"):
        assert f"<td>{code}</td>" not in table


def test_the_shell_context_computes_the_menu_only_when_asked(world):
    """The context processor hands the menu as a callable: a page that does not use it computes nothing."""
    from suiban.context_processors import shell

    request = RequestFactory().get("/students/")
    request.user = User.objects.get(username="hc_bureau")
    ctx = shell(request)
    assert callable(ctx["shell_menu"])
    assert [i["key"] for _g, items in ctx["shell_menu"]() for i in items if i["active"]] == ["students"]


def test_below_minimum_rows_are_the_rows_the_loop_drew():
    """IEP-5: the below-minimum rows built in one pass equal the template loop they replace (overdue mark,
    "—" for no class, hours without needless decimals, names escaped)."""
    class Obj:
        def __init__(self, **kw):
            self.__dict__.update(kw)

    rows = [Obj(pk=7, name="<李>", school=Obj(name="一中"), school_class=None, delivered_hours=Decimal("0.50"),
                minimum=Decimal("2.0"), shortfall=Decimal("1.50")),
            Obj(pk=8, name="王", school=Obj(name="二中"), school_class=Obj(name="三年级（1）班"),
                delivered_hours=Decimal("1.00"), minimum=Decimal("2.5"), shortfall=Decimal("1.50"))]
    old = ('{% load sb %}{% for s in rows %}<tr data-student="{{ s.pk }}"{% if overdue %} class="sb-overdue"'
           '{% endif %}><td><a href="{% url "iep:student_weekly" s.pk %}">{{ s.name }}</a></td><td>'
           '{{ s.school.name }}</td><td class="text-nowrap">{{ s.school_class.name|default:"—" }}</td>'
           '<td class="text-end">{{ s.delivered_hours|floatformat:"-2" }}</td><td class="text-end">'
           '{{ s.minimum|floatformat:"-1" }}</td><td class="text-end text-danger">{{ s.shortfall|floatformat:"-2" }}'
           '</td></tr>{% endfor %}')
    for overdue in (True, False):
        assert _render("{% load sb %}{% below_minimum_rows rows overdue %}", rows=rows, overdue=overdue) == \
            _render(old, rows=rows, overdue=overdue)
