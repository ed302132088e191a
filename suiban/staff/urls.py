from django.urls import path

from suiban.staff import views

app_name = "staff"
urlpatterns = [
    path("certificates/<int:pk>/", views.certificate_download, name="certificate"),
]
