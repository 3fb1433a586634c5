"""Report personas: the demo study (four arms, 40 simulated participants with scores) and
the resolution `casebook` (tests/resolution/conftest.py) for hand-worked arrays."""

from __future__ import annotations

import pytest
from casecast.reports.demo import seed_demo_report
from casecast.resolution.demo import seed_demo_scores
from casecast.resolution.exports.demo import seed_demo_feedback_seen
from casecast.studies.demo import seed_demo_study
from casecast.studies.models import Study
from casecast.vignettes.demo import seed_demo_bank

from tests.resolution.conftest import casebook, people  # noqa: F401  (fixtures)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def demo_build(researcher) -> Study:
    study = seed_demo_study(researcher=researcher)
    seed_demo_bank(study=study)
    seed_demo_scores(study=study)
    seed_demo_feedback_seen(study=study)  # per protocol needs the arms' feedback opened
    seed_demo_report(study=study)
    return study


@pytest.fixture
def demo(researcher) -> Study:
    return demo_build(researcher)
