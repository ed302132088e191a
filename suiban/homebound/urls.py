from django.urls import path

from suiban.homebound import views

app_name = "homebound"
urlpatterns = [
    path("", views.enrolment_list, name="list"),
    path("new/", views.enrolment_create, name="create"),
    path("behind/", views.behind, name="behind"),
    path("workload/", views.workload, name="workload"),
    path("workload.xlsx", views.workload_xlsx, name="workload_xlsx"),
    path("<int:pk>/", views.enrolment_detail, name="detail"),
    path("<int:pk>/plan/", views.enrolment_plan, name="plan"),
    path("<int:pk>/visit/", views.visit_new, name="visit_new"),
    path("<int:pk>/progress/", views.progress, name="progress"),
    path("<int:pk>/records.docx", views.term_docx, name="term_docx"),
    path("visits/<int:pk>/", views.visit_detail, name="visit"),
    path("visits/<int:pk>/record.docx", views.visit_docx, name="visit_docx"),
    path("visits/<int:pk>/attachments/<int:attachment_id>/", views.visit_attachment, name="attachment"),
]
