from django.urls import path

from suiban.iep import views

app_name = "iep"
urlpatterns = [
    path("", views.plan_list, name="list"),
    path("new/", views.plan_create, name="create"),
    path("<int:pk>/", views.plan_detail, name="detail"),
    path("<int:pk>/edit/", views.plan_edit, name="edit"),
    path("<int:pk>/goals/new/", views.goal_add, name="goal_add"),
    path("<int:pk>/goals/<int:goal_id>/edit/", views.goal_edit, name="goal_edit"),
    path("<int:pk>/goals/<int:goal_id>/delete/", views.goal_delete, name="goal_delete"),
    path("<int:pk>/transition/", views.plan_transition, name="transition"),
    path("<int:pk>/comment/", views.plan_comment, name="comment"),
    path("<int:pk>/respond/", views.plan_respond, name="respond"),
    path("<int:pk>/amend/", views.plan_amend, name="amend"),
    path("<int:pk>/versions/<int:number>/", views.plan_version, name="version"),
    path("<int:pk>/review/", views.plan_review, name="review"),
    path("<int:pk>/document.docx", views.plan_document, name="document"),
    path("<int:pk>/print/", views.plan_print, name="print"),
    path("sessions/", views.session_list, name="sessions"),
    path("sessions/log/", views.session_log, name="session_log"),
    path("sessions/<int:pk>/correct/", views.session_correct, name="session_correct"),
    path("students/<int:pk>/weekly/", views.student_weekly, name="student_weekly"),
    path("students/<int:pk>/support/", views.student_support, name="student_support"),
    path("students/<int:pk>/support/evaluations/", views.support_evaluation, name="support_evaluation"),
    path("students/<int:pk>/support/peers/", views.support_peer, name="support_peer"),
    path("students/<int:pk>/support/aids/", views.support_aid, name="support_aid"),
    path("students/<int:pk>/support/aids/<int:aid_id>/return/", views.support_aid_return, name="support_aid_return"),
    path("below-minimum/", views.below_minimum, name="below_minimum"),
]
