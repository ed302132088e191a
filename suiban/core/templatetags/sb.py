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
    from django.apps import apps

    for model in apps.get_models():
        if model._meta.model_name == model_name:
            return model._meta.verbose_name
    return model_name


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
