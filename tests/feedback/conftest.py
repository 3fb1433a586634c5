import pytest

from tests.feedback_support import build_feedback_study
from tests.fixtures_studies import create_participant


@pytest.fixture
def feedback_study(db, researcher):
    return build_feedback_study(by=researcher)


@pytest.fixture
def in_arm(feedback_study):
    """in_arm("calibration") -> a randomised participant in that arm of `feedback_study`."""

    def make(arm: str, email: str | None = None, study=None):
        study = study or feedback_study
        return create_participant(study=study, email=email or f"{arm}@example.org", arm=arm)

    return make
