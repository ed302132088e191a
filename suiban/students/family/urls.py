from django.urls import path

from suiban.students.family import views

app_name = "family"
urlpatterns = [
    path("", views.family_home, name="home"),
    path("<int:pk>/", views.child, name="child"),
    path("<int:pk>/record/", views.record, name="record"),
    path("<int:pk>/corrections/", views.corrections, name="corrections"),
    path("plan/", views.first_child_page("family_iep:plan"), name="my_plan"),
    path("sessions/", views.first_child_page("family_iep:sessions"), name="my_sessions"),
    path("record/", views.first_child_page("family:record"), name="my_record"),
    path("corrections/", views.first_child_page("family:corrections"), name="my_corrections"),
    path("requests/", views.request_list, name="requests"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
]
