"""Strings Django 6.1 shows but does not translate into zh-Hans itself; kept here so makemessages keeps them."""

from django.utils.translation import gettext_noop

DJANGO_STRINGS = [
    gettext_noop("- Select an option -"),
]
