from django import template

from suiban.funds.models import category_label

register = template.Library()


@register.filter
def category_name(code):
    """The category's name in the user's language (never its code on screen)."""
    return category_label(code)
