from django.urls import path

from suiban.staff import views

app_name = "staff"
urlpatterns = [
    path("pools/", views.pool_list, name="pool_list"),
    path("pools/new/", views.pool_create, name="pool_create"),
    path("pools/school/<int:school_id>/", views.pool_school, name="pool_school"),
    path("pools/<int:pk>/", views.pool_detail, name="pool_detail"),
    path("pools/<int:pk>/members/", views.pool_member_add, name="pool_member_add"),
    path("pools/<int:pk>/members/<int:staff_id>/remove/", views.pool_member_remove, name="pool_member_remove"),
    path("pools/<int:pk>/file/", views.pool_file, name="pool_file"),
    path("filing/", views.filing, name="filing"),
    path("people/", views.staff_list, name="staff_list"),
    path("people/new/", views.staff_create, name="staff_create"),
    path("people/<int:pk>/", views.staff_detail, name="staff_detail"),
    path("people/<int:pk>/edit/", views.staff_edit, name="staff_edit"),
    path("people/<int:pk>/trainings/", views.training_add, name="training_add"),
    path("certificates/<int:pk>/", views.certificate_download, name="certificate"),
    path("incentives/", views.incentives, name="incentives"),
    path("incentives/year/", views.staff_year_save, name="staff_year_save"),
    path("incentives/nominations/", views.nomination_create, name="nomination_create"),
    path("nominations/", views.nominations, name="nominations"),
    path("visits/", views.visit_list, name="visit_list"),
    path("visits/new/", views.visit_create, name="visit_create"),
    path("visits/<int:pk>/", views.visit_detail, name="visit_detail"),
    path("visits/<int:pk>/answer/", views.visit_answer, name="visit_answer"),
    path("group/", views.working_group, name="group"),
    path("group/save/", views.working_group_save, name="group_save"),
    path("group/<int:pk>/meetings/", views.meeting_add, name="meeting_add"),
    path("experts/", views.experts, name="experts"),
    path("experts/new/", views.expert_create, name="expert_create"),
    path("cases/<int:pk>/opinion/", views.opinion_create, name="opinion_create"),
]
