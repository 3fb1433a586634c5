"""The track record across studies: only linked people, the engine's numbers, persistence."""

from __future__ import annotations

import numpy as np
import pytest
from casecast.insights.skill import skill_estimates
from casecast.network import selectors
from casecast.network.identity import network_label, network_pseudonym
from casecast.studies import services
from casecast.studies.models import Participant
from django.core.exceptions import ValidationError

from tests.network.conftest import LINKED, PEOPLE

pytestmark = pytest.mark.django_db


def _user_ids(linked) -> dict[str, int]:
    return {email: linked.participants[(0, email)].user_id for email in PEOPLE}


def test_only_people_who_agreed_are_counted(linked):
    record = selectors.track_record(min_n=1)
    users = _user_ids(linked)
    assert record.n_people == len(LINKED)
    listed = {f.user_id for f in record.forecasters}
    assert listed == {users[email] for email in LINKED}
    assert users["p7@example.org"] not in listed


def test_ranks_and_estimates_are_the_engine_on_the_expected_scores(linked):
    users = _user_ids(linked)
    rows = [(users[e], q, b) for e, _study, q, b in linked.expected if e in LINKED]
    person, question, brier = (np.array(column) for column in zip(*rows, strict=True))
    expected = skill_estimates(person, question, brier)
    record = selectors.track_record(min_n=1)
    by_user = {f.user_id: f for f in record.forecasters}
    for i, user in enumerate(expected.person.tolist()):
        assert by_user[user].estimate == pytest.approx(expected.estimate[i], abs=1e-12)
        assert by_user[user].n == 12
        assert by_user[user].n_waves == 2
        assert by_user[user].mean_brier == pytest.approx(expected.mean_brier[i], abs=1e-12)
    # p0 forecasts closest to every outcome, p6 furthest.
    assert record.forecasters[0].user_id == users["p0@example.org"]
    assert record.forecasters[-1].user_id == users["p6@example.org"]


def test_persistence_follows_the_top_group_into_the_next_wave(linked):
    record = selectors.track_record(min_n=1, top_fraction=0.3)
    (pair,) = record.persistence
    assert (pair.first.study_title, pair.second.study_title) == ("Wave one", "Wave two")
    assert pair.result.n_both == len(LINKED)
    assert pair.result.n_top == 2  # floor(0.3 × 7)
    # The same people are best in both waves here, so the top stays top and beats chance.
    assert pair.result.top_stay_top == 1.0
    assert pair.result.top_better_than_chance == 1.0
    assert pair.result.rank_correlation == pytest.approx(1.0)


def test_unlinking_or_erasure_removes_that_studys_answers(linked):
    users = _user_ids(linked)
    services.participant_linking_set(
        participant=linked.participants[(0, "p0@example.org")], link=False
    )
    services.participant_withdraw(
        participant=linked.participants[(1, "p1@example.org")], keep_data=False, by=None
    )
    by_user = {f.user_id: f for f in selectors.track_record(min_n=1).forecasters}
    assert by_user[users["p0@example.org"]].n == 6
    assert by_user[users["p0@example.org"]].n_waves == 1
    assert by_user[users["p1@example.org"]].n == 6


def test_the_network_id_is_the_same_in_every_study_and_keyed(linked, settings):
    user = linked.participants[(0, "p0@example.org")].user_id
    assert linked.participants[(1, "p0@example.org")].user_id == user
    settings.NETWORK_PSEUDONYM_KEY = "one key"
    first = network_pseudonym(user_id=user)
    settings.NETWORK_PSEUDONYM_KEY = "another key"
    assert network_pseudonym(user_id=user) != first
    assert len(first) == 64 and network_label(first) == f"N-{first[:10]}"
    assert network_pseudonym(user_id=None) == ""


def test_linking_is_refused_where_the_study_does_not_offer_it(participant):
    with pytest.raises(ValidationError, match="does not link"):
        services.participant_linking_set(participant=participant, link=True)
    assert Participant.objects.get(pk=participant.pk).linked_across_studies_at is None
