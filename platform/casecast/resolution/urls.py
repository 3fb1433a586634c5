from django.urls import path

from casecast.resolution import views

app_name = "resolution"

# Mounted at studies/<slug:slug>/resolution/ in casecast/urls.py.
urlpatterns = [
    path("", views.resolution_list, name="list"),
    path("questions/<int:question_id>/outcome/", views.outcome_record, name="outcome"),
    path("questions/<int:question_id>/annul/", views.question_annul, name="annul"),
    path("questions/<int:question_id>/reinstate/", views.question_reinstate, name="reinstate"),
    path("import/", views.outcomes_import, name="import"),
    path("import/template.csv", views.import_template, name="import_template"),
    path("rescore/", views.rescore_progress, name="rescore"),
    path("rescore/start/", views.rescore_start, name="rescore_start"),
    path("rescore/status.json", views.rescore_status, name="rescore_status"),
    path("results/", views.results, name="results"),
    path("export/scores.csv", views.export_scores, name="export_scores"),
    path("export/forecasts.csv", views.export_forecasts, name="export_forecasts"),
    path("export/participants.csv", views.export_participants, name="export_participants"),
    path("export/data-dictionary.csv", views.export_dictionary, name="export_dictionary"),
    path("export/package.zip", views.export_package, name="export_package"),
    *(
        path(f"export/{name}.csv", views.export_file, {"name": name}, name=f"export_{name}")
        for name in ("questions", "outcomes", "allocations", "exposures", "consort")
    ),
]
