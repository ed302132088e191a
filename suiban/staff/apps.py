from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    name = "suiban.staff"
    label = "staff"
    verbose_name = _("Staff and support bodies")

    def ready(self):
        # The committee's opinions (PL-16) on the case page, through the panel list the cases module exposes.
        from suiban.staff.views import case_panel
        from suiban.students.cases.services import CASE_PANELS

        if case_panel not in CASE_PANELS:
            CASE_PANELS.append(case_panel)
