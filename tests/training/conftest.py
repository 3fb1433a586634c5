import pytest
from casecast.studies import services
from casecast.studies.models import Study

from tests.fixtures_studies import build_study, create_participant


@pytest.fixture
def training_study(db, researcher):
    """Arms: control (nothing), calibration (calibration training), debiasing (debiasing)."""
    study = build_study(
        by=researcher,
        title="Training study",
        status=Study.Status.DRAFT,
        arms=(
            ("control", "Control", 1),
            ("calibration", "Calibration", 1),
            ("debiasing", "Debiasing", 1),
        ),
    )
    for arm in study.arms.exclude(key="control"):
        services.arm_save(
            study=study, arm=arm, by=researcher, training_module=arm.key, feedback_policies=[]
        )
    services.study_status_change(study=study, to=Study.Status.RECRUITING, by=researcher)
    study.refresh_from_db()
    return study


@pytest.fixture
def trainee(training_study):
    def make(arm: str, email: str | None = None):
        return create_participant(
            study=training_study, email=email or f"{arm}@example.org", arm=arm
        )

    return make
