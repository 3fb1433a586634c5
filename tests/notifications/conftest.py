from datetime import timedelta

import pytest
from casecast.studies.models import Participant
from django.utils import timezone

from tests.feedback_support import build_feedback_study
from tests.fixtures_studies import create_participant


@pytest.fixture
def email_study(db, researcher):
    return build_feedback_study(by=researcher, title="Email study")


def make_quiet(participant: Participant, days: int) -> Participant:
    """Pretend the participant's last activity was `days` ago."""
    then = timezone.now() - timedelta(days=days)
    moments = ("enrolled_at", "consented_at", "baseline_completed_at", "randomised_at")
    Participant.objects.filter(pk=participant.pk).update(
        **{name: then for name in moments if getattr(participant, name) is not None}
    )
    participant.refresh_from_db()
    return participant


@pytest.fixture
def quiet_participant(email_study):
    """In the control arm, cases to do, inactive for 8 days."""
    participant = create_participant(study=email_study, email="quiet@example.org", arm="control")
    return make_quiet(participant, 8)
