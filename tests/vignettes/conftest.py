"""Helpers for the vignette tests: a draft study and content counts."""

from __future__ import annotations

import pytest
from casecast.studies.models import Study
from casecast.vignettes.models import Question, Stage, Vignette, VignetteVersion

from tests.fixtures_studies import build_study


def content_counts() -> dict[str, int]:
    return {
        "vignettes": Vignette.objects.count(),
        "versions": VignetteVersion.objects.count(),
        "stages": Stage.objects.count(),
        "questions": Question.objects.count(),
        "outcomes": Question.objects.filter(outcome_binary__isnull=False).count()
        + Question.objects.filter(outcome_category__isnull=False).count()
        + Question.objects.filter(outcome_numeric__isnull=False).count(),
    }


@pytest.fixture
def draft_study(db, researcher) -> Study:
    return build_study(by=researcher, title="Draft study", status=Study.Status.DRAFT)


@pytest.fixture
def fresh_study(db, researcher) -> Study:
    return build_study(by=researcher, title="Fresh study", status=Study.Status.DRAFT)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The shared personas are created with passwords; these tests never check one.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
