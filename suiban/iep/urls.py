from django.urls import path

from suiban.iep.views import plans, sessions, support

app_name = "iep"
urlpatterns = [
    path("", plans.plan_list, name="list"),
    path("export.xlsx", plans.plan_export, name="export"),
    path("new/", plans.plan_create, name="create"),
    path("<int:pk>/", plans.plan_detail, name="detail"),
    path("<int:pk>/edit/", plans.plan_edit, name="edit"),
    path("<int:pk>/goals/new/", plans.goal_add, name="goal_add"),
    path("<int:pk>/goals/<int:goal_id>/edit/", plans.goal_edit, name="goal_edit"),
    path("<int:pk>/goals/<int:goal_id>/delete/", plans.goal_delete, name="goal_delete"),
    path("<int:pk>/transition/", plans.plan_transition, name="transition"),
    path("<int:pk>/comment/", plans.plan_comment, name="comment"),
    path("<int:pk>/respond/", plans.plan_respond, name="respond"),
    path("<int:pk>/amend/", plans.plan_amend, name="amend"),
    path("<int:pk>/versions/<int:number>/", plans.plan_version, name="version"),
    path("<int:pk>/review/", plans.plan_review, name="review"),
    path("<int:pk>/document.docx", plans.plan_document, name="document"),
    path("<int:pk>/print/", plans.plan_print, name="print"),
    path("sessions/", sessions.session_list, name="sessions"),
    path("sessions/export.xlsx", sessions.session_export, name="sessions_export"),
    path("sessions/log/", sessions.session_log, name="session_log"),
    path("sessions/<int:pk>/correct/", sessions.session_correct, name="session_correct"),
    path("students/<int:pk>/weekly/", sessions.student_weekly, name="student_weekly"),
    path("students/<int:pk>/support/", support.student_support, name="student_support"),
    path("students/<int:pk>/support/evaluations/", support.support_evaluation, name="support_evaluation"),
    path("students/<int:pk>/support/peers/", support.support_peer, name="support_peer"),
    path("students/<int:pk>/support/aids/", support.support_aid, name="support_aid"),
    path("students/<int:pk>/support/aids/<int:aid_id>/return/", support.support_aid_return, name="support_aid_return"),
    path("below-minimum/", sessions.below_minimum, name="below_minimum"),
    path("below-minimum/export.xlsx", sessions.below_minimum_export, name="below_minimum_export"),
]
