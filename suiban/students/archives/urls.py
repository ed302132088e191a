"""Archive pages (AR-1..AR-3). Files are served only by the two download views here (SEC-4)."""

from django.urls import path

from suiban.students.archives import views

app_name = "archives"
urlpatterns = [
    path("", views.school_list, name="school_list"),
    path("schools/<int:school_id>/", views.school_archive, name="school"),
    path("schools/<int:school_id>/upload/", views.school_upload, name="school_upload"),
    path("students/<int:student_id>/", views.student_archive, name="student"),
    path("students/<int:student_id>/upload/", views.student_upload, name="student_upload"),
    path("students/<int:student_id>/handover/", views.student_handover, name="handover"),
    path("files/<int:pk>/", views.file_download, name="file"),
    path("school-files/<int:pk>/", views.school_file_download, name="school_file"),
]
