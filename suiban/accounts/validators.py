import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class ComplexityValidator:
    """SEC-1: a password mixes at least three of: lower case, upper case, digits, symbols."""

    def validate(self, password, user=None):
        classes = [r"[a-z]", r"[A-Z]", r"\d", r"[^A-Za-z0-9]"]
        if sum(1 for c in classes if re.search(c, password)) < 3:
            raise ValidationError(
                _("The password must contain at least three of: lower-case letters, upper-case letters, "
                  "digits and symbols."),
                code="password_too_simple",
            )

    def get_help_text(self):
        return _("At least three of: lower-case letters, upper-case letters, digits and symbols.")
