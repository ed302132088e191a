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
def sort_toggle(key, current):
    return f"-{key}" if current == key else key


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
