from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IepConfig(AppConfig):
    name = "suiban.iep"
    label = "iep"
    verbose_name = _("Individual education")

    def ready(self):
        from suiban.iep.services import follow_moved_students
        from suiban.students.signals import students_moved

        students_moved.connect(follow_moved_students, dispatch_uid="iep-follow-moved-students")
