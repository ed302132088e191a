from django.urls import path

from suiban.oversight import record_views, views

app_name = "oversight"
urlpatterns = [
    path("findings/", views.finding_list, name="findings"),
    path("findings/<int:pk>/", views.finding_detail, name="finding_detail"),
    path("dashboard/", views.dashboard_page, name="dashboard"),
    path("statistics.xlsx", views.statistics_export, name="statistics"),
    path("census/", record_views.census_list, name="census"),
    path("census/<int:pk>/", record_views.census_detail, name="census_detail"),
    path("refusals/", record_views.refusal_list, name="refusals"),
    path("refusals/<int:pk>/decide/", record_views.refusal_decide, name="refusal_decide"),
    path("designated/", record_views.designated_list, name="designated"),
    path("designated/<int:pk>/", record_views.designated_detail, name="designated_detail"),
    path("schools/<int:school_id>/accessibility/", record_views.accessibility, name="accessibility"),
    path("schools/<int:school_id>/custodian/", record_views.custodian_edit, name="custodian"),
    path("archives/", record_views.archive_custody, name="archive_custody"),
    path("governance/", record_views.governance, name="governance"),
    path("activities/", record_views.activities, name="activities"),
    path("documents/", record_views.documents, name="documents"),
    path("documents/packs/<int:pk>/", record_views.pack_detail, name="pack"),
    path("documents/packs/<int:pk>/download/", record_views.pack_download, name="pack_download"),
]
