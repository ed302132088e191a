from django.urls import path

from suiban.oversight import views

app_name = "oversight"
urlpatterns = [
    path("findings/", views.finding_list, name="findings"),
    path("findings/<int:pk>/", views.finding_detail, name="finding_detail"),
    path("dashboard/", views.dashboard_page, name="dashboard"),
]
