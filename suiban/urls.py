from django.urls import include, path

from suiban import search
from suiban.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("suiban.accounts.urls")),
    path("org/", include("suiban.org.urls")),
    path("policy/", include("suiban.policy.urls")),
    path("students/", include("suiban.students.urls")),
    path("cases/", include("suiban.students.cases.urls")),
    path("archives/", include("suiban.students.archives.urls")),
    path("iep/", include("suiban.iep.urls")),
    path("staff/", include("suiban.staff.urls")),
    path("funds/", include("suiban.funds.urls")),
    path("homebound/", include("suiban.homebound.urls")),
    path("rooms/", include("suiban.rooms.urls")),
    path("oversight/", include("suiban.oversight.urls")),
    path("family/", include("suiban.students.family.urls")),
    path("family/", include("suiban.iep.family")),
    path("search/", search.search_page, name="search"),
    path("", include("suiban.core.urls")),
]

handler400 = "suiban.core.views.bad_request"
