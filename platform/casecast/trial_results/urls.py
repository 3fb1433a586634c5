from django.urls import path

from casecast.trial_results import views

app_name = "trial_results"

urlpatterns = [
    path("", views.study_list, name="list"),
    path("manage/", views.manage, name="manage"),
    path("manage/<slug:slug>/", views.manage_study, name="manage_study"),
    path("manage/<slug:slug>/trials/new/", views.manage_question, name="question_add"),
    path("manage/<slug:slug>/trials/<int:pk>/", views.manage_question, name="question_edit"),
    path("manage/<slug:slug>/trials/<int:pk>/result/", views.resolve, name="resolve"),
    path("manage/<slug:slug>/forecasts.csv", views.export, name="export"),
    path("<slug:slug>/", views.study_detail, name="study"),
    path("<slug:slug>/trials/<int:pk>/", views.forecast, name="forecast"),
    path("<slug:slug>/trials/<int:pk>/result/", views.results, name="results"),
]
