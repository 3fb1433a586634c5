from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("casecast.core.urls")),
    path("accounts/", include("casecast.accounts.urls")),
    path("site-admin/", admin.site.urls),
]

handler403 = "casecast.core.views.error_403"
handler404 = "casecast.core.views.error_404"
handler500 = "casecast.core.views.error_500"
