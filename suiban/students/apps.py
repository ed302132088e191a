from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StudentsConfig(AppConfig):
    name = "suiban.students"
    label = "students"
    verbose_name = _("Students")

    def ready(self):
        from suiban.students import home, wiring  # noqa: F401  (home panel, inclusion counts, guardian scope)
