"""Nobody sees a score or outcome their arm's policy or the study's timing withholds.

Every feedback policy by every outcome timing, asserting on the rendered pages
and the JSON endpoint. The participant has answered (and finished) a case of
12 resolved questions; the study is still running, so "after the study"
withholds, and "after the phase" shows because the phase is complete.
"""

import pytest
from casecast.forecasts.models import Assignment
from casecast.studies.models import Study
from django.urls import reverse

from tests.feedback.page import feedback_cards
from tests.feedback_support import POLICIES, TIMINGS, answer_phase, build_feedback_study
from tests.fixtures_studies import create_participant

SHOWN_TIMINGS = {"immediately", "after_phase"}
OUTCOME_WORDS = ("It happened.", "It did not happen.")


def _scores_shown(html: str) -> bool:
    """True if every question's card has a score row, False if none has; fails if mixed."""
    cards = feedback_cards(html if "<main" in html else f"<main>{html}</main>")
    assert cards
    with_score = [bool(card.rows.get("Your score")) for card in cards]
    assert len(set(with_score)) == 1, with_score
    return with_score[0]


def _setup(researcher, policy, timing):
    study = build_feedback_study(by=researcher, timing=timing)
    arm = "control" if policy == "none" else policy
    participant = create_participant(study=study, email="me@example.org", arm=arm)
    answer_phase(participant, 1)
    if policy == "peer":
        for n in range(4):
            peer = create_participant(study=study, email=f"peer{n}@example.org", arm="control")
            answer_phase(peer, 1, probability_for=lambda q, n=n: 50 + 10 * n)
    return participant, Assignment.objects.get(participant=participant)


@pytest.mark.parametrize("timing", TIMINGS)
@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.django_db
def test_pages_show_outcomes_and_scores_only_when_policy_and_timing_allow(
    client, researcher, policy, timing
):
    participant, assignment = _setup(researcher, policy, timing)
    client.force_login(participant.user)
    shown = timing in SHOWN_TIMINGS

    home = client.get(reverse("feedback:home"))
    case = client.get(reverse("feedback:case", args=[assignment.pk]))
    status = client.get(reverse("feedback:case_status", args=[assignment.pk]))
    record = client.get(reverse("feedback:track_record"))
    standing = client.get(reverse("feedback:standing"))
    profile = client.get(reverse("feedback:profile"))

    assert home.status_code == (404 if policy == "none" else 200)
    if policy == "outcome":
        page = case.content.decode()
        data = status.json()
        assert any(word in page for word in OUTCOME_WORDS) is shown
        assert _scores_shown(page) is shown
        assert _scores_shown(data["html"]) is shown
        assert all(
            bool(q["outcome"]) is shown and bool(q["score"]) is shown for q in data["questions"]
        )
        assert len(data["questions"]) == 12
    else:
        assert case.status_code == 404
        assert status.status_code == 404
    if policy == "calibration":
        page = record.content.decode()
        assert ("Your overall score is" in page) is shown
        assert ("<svg" in page) is shown
        assert ("Not enough forecasts yet" in page) is not shown
    else:
        assert record.status_code == 404
    if policy == "peer":
        page = standing.content.decode()
        assert ("You did better than about" in page) is shown
        assert ("relative Brier score" in page) is shown
    else:
        assert standing.status_code == 404
    if policy == "profile":
        page = profile.content.decode()
        assert ("What your forecasts say about you" in page) is shown
        assert ("<svg" in page) is shown
        assert ("Not enough forecasts yet" in page) is not shown
    else:
        assert profile.status_code == 404


@pytest.mark.django_db
def test_after_study_timing_shows_outcomes_once_the_study_closes(client, researcher):
    participant, assignment = _setup(researcher, "outcome", "after_study")
    client.force_login(participant.user)
    url = reverse("feedback:case", args=[assignment.pk])
    assert not _scores_shown(client.get(url).content.decode())
    Study.objects.filter(pk=participant.study_id).update(status=Study.Status.CLOSED)
    assert _scores_shown(client.get(url).content.decode())


@pytest.mark.django_db
def test_after_phase_timing_withholds_until_every_case_in_the_phase_is_done(client, researcher):
    study = build_feedback_study(by=researcher, timing="after_phase")
    phase = study.phases.get(position=1)
    from casecast.vignettes.services import phase_vignettes_set

    phase_vignettes_set(phase=phase, vignette_keys=["twelve-a", "twelve-b"])
    participant = create_participant(study=study, email="me@example.org", arm="outcome")
    from casecast.feedback.demo import case_answer
    from casecast.forecasts.services import phase_start
    from casecast.resolution.scoring_pipeline import score_submission

    from tests.feedback_support import probability_pct

    first, second = phase_start(participant=participant, phase=phase)
    forecasts = case_answer(assignment=first, probability_for=probability_pct)
    score_submission(forecast_ids=[f.pk for f in forecasts])
    client.force_login(participant.user)
    page = client.get(reverse("feedback:case", args=[first.pk])).content.decode()
    assert not _scores_shown(page)
    assert not any(word in page for word in OUTCOME_WORDS)
    assert "when the outcome can be shared" in page
    case_answer(assignment=second, probability_for=probability_pct)
    assert _scores_shown(client.get(reverse("feedback:case", args=[first.pk])).content.decode())


@pytest.mark.django_db
def test_another_participants_case_feedback_is_not_found(client, researcher):
    participant, assignment = _setup(researcher, "outcome", "immediately")
    other = create_participant(study=participant.study, email="other@example.org", arm="outcome")
    client.force_login(other.user)
    assert client.get(reverse("feedback:case", args=[assignment.pk])).status_code == 404
    assert client.get(reverse("feedback:case_status", args=[assignment.pk])).status_code == 404
