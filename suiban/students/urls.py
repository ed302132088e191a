from django.urls import path

from suiban.students import views
from suiban.students.roster import views as roster_views

app_name = "students"
urlpatterns = [
    path("", views.student_list, name="list"),
    path("new/", views.student_create, name="create"),
    path("import/", roster_views.import_page, name="import"),
    path("new-school-year/", views.rollover, name="rollover"),
    path("<int:pk>/", views.student_detail, name="detail"),
    path("<int:pk>/edit/", views.student_edit, name="edit"),
    path("<int:pk>/reveal/", views.student_reveal, name="reveal"),
    path("<int:pk>/place/", views.student_place, name="place"),
    path("<int:pk>/placement/", views.student_placement, name="placement"),
    path("<int:pk>/deferral/", views.student_deferral, name="deferral"),
    path("<int:pk>/accommodation/", views.student_accommodation, name="accommodation"),
    path("<int:pk>/leaving/propose/", views.student_leaving_propose, name="leaving_propose"),
    path("<int:pk>/leaving/confirm/", views.student_leaving_confirm, name="leaving_confirm"),
]
