"""A participant with peer feedback sees their own standing in each linked wave."""

from __future__ import annotations

import numpy as np
import pytest
from casecast.accounts.links import participant_link_path
from casecast.feedback.selectors import standing_across_waves
from casecast.studies import services
from casecast.studies.models import Arm, Study
from django.urls import reverse

from tests.network.conftest import LINKED

pytestmark = pytest.mark.django_db


@pytest.fixture
def peer_feedback(linked):
    for study in linked.studies:
        Arm.objects.filter(study=study, key="control").update(feedback_policies=["outcome", "peer"])
        Study.objects.filter(pk=study.pk).update(outcome_release=Study.OutcomeRelease.IMMEDIATELY)
    return linked


def _expected_better_than(linked, study_index: int, email: str) -> int:
    """Standardise each question's Brier over the linked people, by hand."""
    rows = [(e, q, b) for e, s, q, b in linked.expected if s == study_index and e in LINKED]
    by_question: dict[int, list[tuple[str, float]]] = {}
    for e, q, b in rows:
        by_question.setdefault(q, []).append((e, b))
    z: dict[str, list[float]] = {}
    for answers in by_question.values():
        values = np.array([b for _, b in answers])
        sd = values.std()
        for e, b in answers:
            z.setdefault(e, []).append(0.0 if sd == 0 else (b - values.mean()) / sd)
    means = {e: float(np.mean(v)) for e, v in z.items()}
    others = [v for e, v in means.items() if e != email]
    return round(100 * sum(v > means[email] for v in others) / len(others))


def test_each_wave_shows_the_share_of_linked_peers_they_beat(peer_feedback):
    participant = peer_feedback.participants[(1, "p2@example.org")]
    rows = standing_across_waves(participant=participant)
    assert [row.wave.study_title for row in rows] == ["Wave one", "Wave two"]
    for index, row in enumerate(rows):
        assert row.n == 6 and row.n_peers == len(LINKED) - 1
        assert row.better_than_pct == _expected_better_than(peer_feedback, index, "p2@example.org")


def test_nothing_across_waves_without_agreement_or_peer_feedback(linked, peer_feedback):
    unlinked = peer_feedback.participants[(0, "p7@example.org")]
    assert standing_across_waves(participant=unlinked) is None
    Arm.objects.filter(key="control").update(feedback_policies=["outcome"])
    linked_person = peer_feedback.participants[(0, "p0@example.org")]
    linked_person.refresh_from_db()
    assert standing_across_waves(participant=linked_person) is None


def test_the_standing_page_shows_the_waves_and_no_one_elses_identity(client, peer_feedback):
    participant = peer_feedback.participants[(1, "p2@example.org")]
    client.get(participant_link_path(user=participant.user))
    page = client.get(reverse("feedback:standing")).content.decode()
    assert "Across studies and waves" in page
    assert "Wave one: After randomisation" in page
    for email in LINKED:
        assert email not in page
    services.participant_linking_set(participant=participant, link=False)
    page = client.get(reverse("feedback:standing")).content.decode()
    assert "Across studies and waves" not in page
