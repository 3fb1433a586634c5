"""A participant's judgement profile (issue 12, item 6): over- or under-confidence, how they
update, and - with peer feedback too - how far they sit from colleagues' average.

Expected figures are worked out by hand from the answers each test gives.
"""

from __future__ import annotations

import pytest
from casecast.feedback.selectors import judgement_profile
from casecast.studies import services
from casecast.vignettes.services import phase_vignettes_set
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.feedback_support import answer_phase, build_feedback_study
from tests.fixtures_studies import create_participant
from tests.fixtures_vignettes import import_bank

pytestmark = pytest.mark.django_db


def sure(question) -> int:
    """80% on events 0-7 and 20% on events 8-11 of the twelve-question case, whatever
    happened (events happen when i % 3 != 0)."""
    return 80 if int(question.key.rsplit("-", 1)[1]) < 8 else 20


@pytest.fixture
def study(researcher):
    return build_feedback_study(by=researcher, timing="immediately")


def _with_peer_feedback(study, researcher) -> None:
    arm = study.arms.get(key="profile")
    services.arm_save(
        study=study, arm=arm, by=researcher, reason="test", feedback_policies=["profile", "peer"]
    )


def test_an_over_confident_participant_is_told_they_tend_to_be_too_sure(client, study):
    me = create_participant(study=study, email="me@example.org", arm="profile")
    answer_phase(me, 1, probability_for=sure)
    profile = judgement_profile(participant=me)
    # Above 50%: events 0-7 at 80%; 1, 2, 4, 5, 7 happened: 5 of 8.
    assert (profile.high.n, profile.high.said, profile.high.happened) == (8, 0.8, 5 / 8)
    # Below 50%: events 8-11 at 20%; 8, 10, 11 happened: 3 of 4.
    assert profile.low.n == 4 and profile.low.said == pytest.approx(0.2)
    assert profile.low.happened == pytest.approx(3 / 4)
    assert profile.peers is None  # no peer feedback in this arm
    client.force_login(me.user)
    page = client.get(reverse("feedback:profile")).content.decode()
    assert "You tend to be too sure" in page
    assert "you said 80% on average, and it happened 62% of the time" in page  # 62.5 rounds to even
    assert "colleagues" not in page.lower()


def test_an_under_confident_participant_is_told_they_are_not_sure_enough(study):
    me = create_participant(study=study, email="me@example.org", arm="profile")
    # 60% on what happened and 40% on what did not: events more clear-cut than that.
    answer_phase(me, 1, probability_for=lambda q: 60 if q.outcome_binary else 40)
    profile = judgement_profile(participant=me)
    assert (profile.high.n, profile.high.happened) == (8, 1.0)
    assert (profile.low.n, profile.low.happened) == (4, 0.0)
    assert profile.sentences[0].startswith("You tend to be not sure enough")


COLLEAGUES = (51, 63, 74, 82)  # on every question; their average is 67.5


def test_the_peer_gap_is_an_average_over_colleagues_on_the_same_questions(
    client, study, researcher
):
    _with_peer_feedback(study, researcher)
    me = create_participant(study=study, email="me@example.org", arm="profile")
    answer_phase(me, 1, probability_for=sure)
    for n, value in enumerate(COLLEAGUES):
        peer = create_participant(study=study, email=f"peer{n}@example.org", arm="control")
        answer_phase(peer, 1, probability_for=lambda q, value=value: value)
    peers = judgement_profile(participant=me).peers
    # 8 questions at 80 - 67.5 = +12.5 and 4 at 20 - 67.5 = -47.5.
    assert peers.n_questions == 12
    assert peers.gap_pp == pytest.approx((8 * 12.5 - 4 * 47.5) / 12)  # -7.5
    assert peers.abs_gap_pp == pytest.approx((8 * 12.5 + 4 * 47.5) / 12)
    client.force_login(me.user)
    page = client.get(reverse("feedback:profile")).content.decode()
    assert "you put risks lower than colleagues" in page
    # No colleague's own answer appears anywhere on the page, nor their average.
    for value in (*COLLEAGUES, 67, 68):
        assert f"{value}%" not in page


def test_with_too_few_colleagues_no_comparison_is_made(study, researcher):
    _with_peer_feedback(study, researcher)
    me = create_participant(study=study, email="me@example.org", arm="profile")
    answer_phase(me, 1, probability_for=sure)
    for n in range(3):  # three colleagues: an average of three could say too much
        peer = create_participant(study=study, email=f"peer{n}@example.org", arm="control")
        answer_phase(peer, 1, probability_for=lambda q, n=n: 50 + 10 * n)
    profile = judgement_profile(participant=me)
    assert profile.peers.n_questions == 0 and profile.peers.gap_pp is None
    assert profile.sentences[-1].startswith("Not enough colleagues")


STAGED = """\
format: casecast-bank/1
vignettes:
  - key: staged
    title: Case staged
    summary: A case in two parts.
    source: fictional
    stages:
      - title: Referral
        body: A referral about a family.
        questions:
{first}
      - title: After the visit
        body: What the visit found.
        questions:
{again}
"""


def _staged_bank() -> str:
    first = "\n".join(
        f"          - {{key: a-{i}, kind: binary, text: Event {i}?, "
        f"outcome: {{value: {'true' if i % 2 == 0 else 'false'}}}}}"
        for i in range(10)
    )
    again = "\n".join(
        f"          - {{key: b-{i}, kind: binary, text: Event {i} now?, earlier: a-{i}, "
        f"outcome: {{value: {'true' if i % 2 == 0 else 'false'}}}}}"
        for i in range(4)
    )
    return STAGED.format(first=first, again=again)


def test_updates_are_measured_on_questions_asked_again_later(study):
    import_bank(study, _staged_bank())
    phase_vignettes_set(phase=study.phases.get(position=1), vignette_keys=["staged"])
    me = create_participant(study=study, email="me@example.org", arm="profile")
    later = {"b-0": 80, "b-1": 70, "b-2": 50, "b-3": 10}  # toward, away, unchanged, toward
    answer_phase(me, 1, probability_for=lambda q: later.get(q.key, 50))
    updates = judgement_profile(participant=me).updates
    assert (updates.n, updates.n_changed) == (4, 3)
    assert updates.mean_abs_pp == pytest.approx((30 + 20 + 0 + 40) / 4)
    assert updates.share_toward == pytest.approx(2 / 3)
    assert updates.brier_before == pytest.approx(0.25)  # 50% on everything
    assert updates.brier_after == pytest.approx((0.2**2 + 0.7**2 + 0.5**2 + 0.1**2) / 4)


def test_a_new_participant_sees_that_there_is_not_enough_yet(client, study):
    me = create_participant(study=study, email="me@example.org", arm="profile")
    client.force_login(me.user)
    page = client.get(reverse("feedback:profile")).content.decode()
    assert "Not enough forecasts yet" in page and "<svg" not in page


def test_the_control_arm_cannot_have_a_judgement_profile(study, researcher):
    control = study.arms.get(key="control")
    with pytest.raises(ValidationError) as refused:
        services.arm_save(
            study=study, arm=control, by=researcher, reason="test", feedback_policies=["profile"]
        )
    assert "control arm" in str(refused.value)
    control.refresh_from_db()
    assert control.feedback_policies == []
