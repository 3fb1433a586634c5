from django.urls import path

from casecast.vignettes import views

app_name = "vignettes"

urlpatterns = [
    path("", views.vignette_list, name="list"),
    path("upload/", views.bank_upload, name="upload"),
    path("download/<str:fmt>/", views.bank_download, name="download"),
    path("phases/", views.phase_plans, name="phases"),
    path("phases/<int:position>/", views.phase_plan_edit, name="phase_edit"),
    path("<slug:key>/", views.vignette_detail, name="detail"),
]
