from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def query(context, **kwargs):
    """The current query string with some parameters replaced (None removes one)."""
    params = context["request"].GET.copy()
    for key, value in kwargs.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return params.urlencode()


@register.filter
def may(user, perm):
    """``{% if request.user|may:"iep.records" %}``: does any of the user's roles carry the permission?"""
    from suiban.core.scoping import has_perm

    return has_perm(user, perm)


@register.filter
def sort_toggle(key, current):
    return f"-{key}" if current == key else key


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.simple_tag(takes_context=True)
def render_panel(context, panel):
    """Render a home-page panel template with the panel's own figures in its context."""
    template = context.template.engine.get_template(panel["template"])
    with context.push(**panel):
        return template.render(context)


@register.filter
def show_value(value):
    """Policy values for people: lists joined, booleans in words."""
    from django.utils.translation import gettext as _

    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    return value


@register.filter
def bs(field):
    """Render a form field's widget with the Bootstrap class that fits it (and is-invalid on errors)."""
    widget = field.field.widget
    kind = getattr(widget, "input_type", "")
    if kind in ("checkbox", "radio"):
        css = "form-check-input"
    elif kind == "select" or widget.__class__.__name__.endswith("Select"):
        css = "form-select"
    else:
        css = "form-control"
    attrs = {}
    if field.errors:
        css += " is-invalid"
        attrs["aria-invalid"] = "true"
    required = field.field.required or getattr(field.field, "marked_required", False)
    if required and kind not in ("checkbox", "radio") and not field.field.disabled:
        attrs["aria-required"] = "true"
    existing = widget.attrs.get("class", "")
    return field.as_widget(attrs={**attrs, "class": f"{existing} {css}".strip()})


@register.filter
def object_type_label(model_name):
    """'schoolclass' → the model's verbose name in the current language (audit log display)."""
    model = _models_by_name().get(model_name)
    return model._meta.verbose_name if model is not None else model_name


def _models_by_name() -> dict:
    """model_name → model, the first registered of that name (built once: the models are fixed at start-up)."""
    global _MODELS_BY_NAME
    if _MODELS_BY_NAME is None:
        from django.apps import apps

        found: dict = {}
        for model in apps.get_models():
            found.setdefault(model._meta.model_name, model)
        _MODELS_BY_NAME = found
    return _MODELS_BY_NAME


_MODELS_BY_NAME = None


@register.filter
def changes_display(changes):
    """{'name': ['old', 'new']} → 'name：old → new' lines for people (audit log)."""
    if not changes:
        return ""
    lines = []
    for key, value in changes.items():
        if isinstance(value, list | tuple) and len(value) == 2:
            old, new = ("—" if v in (None, "") else v for v in value)
            lines.append(f"{key}：{old} → {new}")
        else:
            lines.append(f"{key}：{value}")
    return "\n".join(lines)


@register.filter
def grade_label(grade):
    """3 → "三年级" (suiban.core.grades)."""
    from suiban.core.grades import grade_label as label

    return label(grade)


@register.filter
def place_name(code):
    """A household registration code → its place name ("福建省厦门市思明区"), "—" when empty."""
    from suiban.core.divisions import place_name as name

    return name(code) if code else "—"


@register.simple_tag
def required_mark(field=None, later=False):
    """The mark of a required field after its label: a red asterisk for the eye and "必填" for a screen reader.
    ``{% required_mark field %}`` marks only a required form field (or one with ``marked_required``: required
    where it is shown, e.g. a case kind's own field); ``{% required_mark %}`` always marks;
    ``later=True`` (or a field with ``required_for_review``) says the field is needed before submitting."""
    from django.utils.html import format_html
    from django.utils.translation import gettext as _

    if field is not None:
        required = field.field.required or getattr(field.field, "marked_required", False)
        later = later or bool(getattr(field.field, "required_for_review", False)) and not required
        if not (required or later):
            return ""
    text = _("required before submitting for review") if later else _("Required")
    return format_html(' <span class="text-danger" aria-hidden="true">*</span><span class="visually-hidden">{}</span>',
                       text)


@register.simple_tag(takes_context=True)
def sort_th(context, key, label, cls=""):
    """A sortable column header: a link that toggles ascending/descending on ``key`` (``?sort=key`` /
    ``?sort=-key``), keeping every other query parameter but the page, and ``aria-sort`` on the sorted column."""
    from django.utils.html import format_html
    from django.utils.translation import gettext as _

    current = context.get("sort") or ""
    params = context["request"].GET.copy()
    params.pop("page", None)
    params["sort"] = f"-{key}" if current == key else key
    if current == key:
        state, icon, hint = "ascending", "bi-caret-up-fill", _("ascending")
    elif current == f"-{key}":
        state, icon, hint = "descending", "bi-caret-down-fill", _("descending")
    else:
        state, icon, hint = None, "bi-chevron-expand text-muted", ""
    aria = format_html(' aria-sort="{}"', state) if state else ""
    hint_html = format_html('<span class="visually-hidden">（{}）</span>', hint) if hint else ""
    return format_html('<th scope="col" class="sb-sortable {}"{}><a class="text-reset text-decoration-none" '
                       'href="?{}">{} <i class="bi {} small" aria-hidden="true"></i>{}</a></th>',
                       cls, aria, params.urlencode(), label, icon, hint_html)


@register.simple_tag(takes_context=True)
def sort_link(context, key, label):
    """The sort control of a list that is not a table (cards, a list group): the same toggle as ``sort_th``,
    the current order marked with ``aria-current`` and said in words."""
    from django.utils.html import format_html
    from django.utils.translation import gettext as _

    current = context.get("sort") or ""
    params = context["request"].GET.copy()
    params.pop("page", None)
    params["sort"] = f"-{key}" if current == key else key
    if current in (key, f"-{key}"):
        up = current == key
        return format_html('<a class="btn btn-sm btn-outline-secondary active" aria-current="true" href="?{}">{} '
                           '<i class="bi {}" aria-hidden="true"></i><span class="visually-hidden">（{}）</span></a>',
                           params.urlencode(), label, "bi-caret-up-fill" if up else "bi-caret-down-fill",
                           _("ascending") if up else _("descending"))
    return format_html('<a class="btn btn-sm btn-outline-secondary" href="?{}">{}</a>', params.urlencode(), label)


@register.simple_tag(takes_context=True)
def shell_menu_html(context):
    """The side menu of the page shell (core.menu.menu_html: built once per set of permissions, active entry
    and language)."""
    from suiban.core.menu import menu_html

    request = context["request"]
    return menu_html(request.user, request.path)


class FixedNode(template.Node):
    """Renders its body once per language (and the values named after the tag) and then reuses the output."""

    def __init__(self, nodelist, vary):
        self.nodelist, self.vary, self.rendered = nodelist, vary, {}

    def render(self, context):
        from django.urls import get_script_prefix
        from django.utils.translation import get_language

        key = (get_language(), get_script_prefix(), *(v.resolve(context) for v in self.vary))
        html = self.rendered.get(key)
        if html is None:
            html = self.nodelist.render(context)
            if len(self.rendered) > 64:
                self.rendered.clear()
            self.rendered[key] = html
        return html


@register.tag
def fixed(parser, token):
    """``{% fixed [value …] %}…{% endfixed %}``: a part of a page that depends only on the language (and the
    values named), e.g. the shell's static links, labels and dialogs — rendered once, not on every request.
    Nothing user- or request-specific (no csrf_token, no user, no path) may be inside."""
    vary = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    nodelist = parser.parse(("endfixed",))
    parser.delete_first_token()
    return FixedNode(nodelist, vary)


_CASE_STATE_CSS = {"effective": "success", "decided": "primary", "rejected": "danger", "withdrawn": "secondary",
                   "committee_opinion": "info"}
_PLAN_STATE_CSS = {"draft": "text-bg-secondary", "in_review": "text-bg-warning", "in_force": "text-bg-success"}


@register.simple_tag
def case_state_badge(state, label):
    """A case's state as a coloured badge (``students/case_state_badge.html``); a tag, not an include, so a
    50-row list does not render 50 templates."""
    from django.utils.html import format_html

    return format_html('<span class="badge sb-case-state text-bg-{}" data-state="{}">{}</span>',
                       _CASE_STATE_CSS.get(state, "warning"), state, label)


@register.simple_tag
def plan_state_badge(state, label):
    """An education plan's state as a coloured badge (``iep/_state_badge.html``)."""
    from django.utils.html import format_html

    return format_html('<span class="badge sb-plan-state {}" data-state="{}">{}</span>',
                       _PLAN_STATE_CSS.get(state, "text-bg-dark"), state, label)


@register.simple_tag
def overdue_badge():
    """The "overdue" mark of a list row (``core/_overdue_badge.html``)."""
    from django.utils.html import format_html
    from django.utils.translation import gettext as _

    return format_html('<span class="badge sb-overdue-badge"><i class="bi bi-exclamation-triangle-fill" '
                       'aria-hidden="true"></i> {}</span>', _("Overdue"))


_PK_SENTINEL = 987654321987654321
_PK_URLS: dict[tuple, tuple[str, str]] = {}


@register.simple_tag
def pk_url(name, pk):
    """``{% pk_url "students:detail" s.pk %}`` = ``{% url "students:detail" s.pk %}`` for a route whose only
    argument is an integer id: the route is reversed once (per script prefix and URLconf), then each row's
    address is the id put in its place — a list of 50 rows reverses nothing."""
    from django.urls import get_script_prefix, get_urlconf, reverse

    key = (name, get_script_prefix(), get_urlconf())
    parts = _PK_URLS.get(key)
    if parts is None:
        head, sep, tail = reverse(name, args=[_PK_SENTINEL]).partition(str(_PK_SENTINEL))
        parts = _PK_URLS[key] = (head, tail)
    return f"{parts[0]}{int(pk)}{parts[1]}"


@register.simple_tag
def attendance_names(students):
    """A session's students, "、"-separated, the absent ones struck through (the sessions list): pairs of
    (student or name, absent)."""
    from django.utils.html import format_html, format_html_join
    from django.utils.translation import gettext as _

    absent_title = _("absent")
    pairs = ((st if isinstance(st, str) else st.name, absent) for st, absent in students)
    return format_html_join("、", "{}", (
        (format_html('<span class="text-decoration-line-through text-muted" title="{}">{}</span>', absent_title,
                     name) if absent else name,) for name, absent in pairs))


@register.simple_tag
def options(items, selected, value="", label=""):
    """The ``<option>``s of a filter drop-down, the chosen one ``selected``: ``{% options kinds filters.kind %}``
    for (value, label) pairs, ``{% options schools filters.school "pk" "name" %}`` for objects. The same markup
    as a template loop, built in one pass (a district's roster offers 100+ schools)."""
    from django.utils.html import conditional_escape
    from django.utils.safestring import mark_safe

    chosen = "" if selected is None else str(selected)
    out = []
    for item in items:
        if value:
            v, text = getattr(item, value), getattr(item, label)
        else:
            v, text = item
        v = str(v)
        out.append(f'<option value="{conditional_escape(v)}" {"selected" if v == chosen else ""}>'
                   f"{conditional_escape(text)}</option>")
    return mark_safe("".join(out))  # noqa: S308 — values and labels escaped above


@register.simple_tag
def grade_options(grades, selected):
    """The grade filter's options: the grade as a word (三年级), the number as the value."""
    from suiban.core.grades import grade_label as label

    return options([(g, label(g)) for g in grades], selected)


@register.filter(expects_localtime=True)
def ymd(value):
    """``{{ d|ymd }}`` = ``{{ d|date:"Y-m-d" }}`` (a datetime in the current time zone), without the general
    date formatter: list rows show several dates each."""
    import datetime

    if isinstance(value, datetime.date):
        return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
    if value in (None, ""):
        return ""
    from django.template.defaultfilters import date

    return date(value, "Y-m-d")


@register.filter(expects_localtime=True)
def ymd_hms(value):
    """``{{ t|ymd_hms }}`` = ``{{ t|date:"Y-m-d H:i:s" }}`` (in the current time zone)."""
    import datetime

    if isinstance(value, datetime.datetime):
        return (f"{value.year:04d}-{value.month:02d}-{value.day:02d} "
                f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}")
    if value in (None, ""):
        return ""
    from django.template.defaultfilters import date

    return date(value, "Y-m-d H:i:s")


@register.filter
def hours(value, places="-2"):
    """``{{ h|hours }}`` = ``{{ h|floatformat:"-2" }}`` for class hours (``"-1"``: one place): whole numbers
    without decimals, others with the places given. The common case (a non-negative number, "." as the
    separator, no grouping) is formatted directly; anything else goes through floatformat."""
    from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

    from django.conf import settings
    from django.template.defaultfilters import floatformat
    from django.utils.formats import get_format

    try:
        n = -int(places)
        d = value if isinstance(value, Decimal) else Decimal(str(value)) if isinstance(value, int | float) else None
        if (d is None or n <= 0 or not d.is_finite() or d < 0 or settings.USE_THOUSAND_SEPARATOR
                or get_format("DECIMAL_SEPARATOR") != "."):
            return floatformat(value, places)
        if d == d.to_integral_value():
            return str(int(d))
        return f"{d.quantize(Decimal(1).scaleb(-n), rounding=ROUND_HALF_UP):f}"
    except (InvalidOperation, ValueError, TypeError):
        return floatformat(value, places)


@register.simple_tag
def below_minimum_rows(rows, overdue):
    """The rows of a week on the below-minimum page (IEP-5): up to 100 a week, two weeks a page — built in one
    pass rather than a template loop of six cells a row (the same markup)."""
    from django.utils.html import conditional_escape as esc
    from django.utils.safestring import mark_safe

    mark = ' class="sb-overdue"' if overdue else ""
    out = []
    for s in rows:
        school_class = s.school_class.name if s.school_class else ""
        out.append(
            f'<tr data-student="{int(s.pk)}"{mark}><td><a href="{pk_url("iep:student_weekly", s.pk)}">{esc(s.name)}'
            f'</a></td><td>{esc(s.school.name)}</td><td class="text-nowrap">{esc(school_class or "—")}</td>'
            f'<td class="text-end">{esc(hours(s.delivered_hours))}</td>'
            f'<td class="text-end">{esc(hours(s.minimum, "-1"))}</td>'
            f'<td class="text-end text-danger">{esc(hours(s.shortfall))}</td></tr>')
    return mark_safe("".join(out))  # noqa: S308 — every value escaped above
