from django.urls import path

from suiban.policy import views

app_name = "policy"
urlpatterns = [
    path("", views.effective, name="effective"),
    path("overrides/<int:pk>/delete/", views.override_delete, name="override_delete"),
]
