from django.urls import path

from suiban.rooms import views

app_name = "rooms"
urlpatterns = [
    path("", views.room_list, name="room_list"),
    path("new/", views.room_create, name="room_create"),
    path("<int:pk>/", views.room_detail, name="room_detail"),
    path("<int:pk>/edit/", views.room_edit, name="room_edit"),
    path("assessment/", views.round_list, name="round_list"),
    path("assessment/rounds/new/", views.round_create, name="round_create"),
    path("assessment/rounds/<int:pk>/", views.round_detail, name="round_detail"),
    path("assessment/plaques/", views.plaque_list, name="plaques"),
    path("assessment/<int:pk>/", views.assessment_detail, name="assessment_detail"),
    path("assessment/<int:pk>/scores/", views.assessment_scores, name="assessment_scores"),
    path("assessment/<int:pk>/report/", views.assessment_report, name="assessment_report"),
    path("assessment/<int:pk>/transition/", views.assessment_transition, name="assessment_transition"),
    path("assessment/<int:pk>/proposals/", views.assessment_refresh, name="assessment_refresh"),
    path("assessment/<int:pk>/photo/", views.assessment_photo, name="assessment_photo"),
    path("assessment/<int:pk>/print/", views.assessment_print, name="assessment_print"),
]
