import pytest
from casecast.trial_results import services


@pytest.fixture
def results_study(site_admin):
    study = services.results_study_save(
        by=site_admin, title="Forecast the 2026 trials", description="Three trials.",
        interval_level=80, is_open=True,
    )  # fmt: skip
    services.question_save(
        study=study,
        by=site_admin,
        trial="Outcome feedback trial",
        description="Does showing outcomes improve forecasts?",
        outcome="Mean Brier score, feedback minus control",
        unit="Brier points",
        position=1,
    )
    return study


@pytest.fixture
def trial(results_study):
    return results_study.questions.get()
