from django.urls import path

from suiban.students.cases import views as case_views

app_name = "cases"
urlpatterns = [
    path("", case_views.case_list, name="list"),
    path("export.xlsx", case_views.case_export, name="export"),
    path("new/", case_views.case_create, name="create"),
    path("<int:pk>/", case_views.case_detail, name="detail"),
    path("<int:pk>/transition/", case_views.case_transition, name="transition"),
    path("<int:pk>/respond/", case_views.case_respond, name="respond"),
    path("<int:pk>/note/", case_views.case_note, name="note"),
    path("<int:pk>/attachments/", case_views.attachment_upload, name="attachment_upload"),
    path("<int:pk>/attachments/<int:attachment_id>/", case_views.attachment_download, name="attachment"),
]
