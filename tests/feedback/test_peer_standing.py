"""Peer comparison: a standing among other participants, never naming anyone."""

import pytest
from casecast.feedback.selectors import peer_standing
from django.urls import reverse

from tests.feedback_support import answer_phase


def _peers(in_arm, count):
    peers = []
    for n in range(count):
        peer = in_arm("control", email=f"peer-{n}@example.org")
        # Worse forecasters than the default: always 50%.
        answer_phase(peer, 1, probability_for=lambda q: 50)
        peers.append(peer)
    return peers


@pytest.mark.django_db
def test_standing_is_hidden_with_fewer_than_four_other_participants(client, in_arm):
    me = in_arm("peer")
    answer_phase(me, 1)
    _peers(in_arm, 3)
    client.force_login(me.user)
    page = client.get(reverse("feedback:standing")).content.decode()
    assert "Not enough to compare yet" in page


@pytest.mark.django_db
def test_a_better_forecaster_is_told_they_did_better_than_the_others(client, in_arm):
    me = in_arm("peer")
    answer_phase(me, 1)
    _peers(in_arm, 4)
    standing = peer_standing(participant=me)
    assert standing.n_peers == 4 and standing.better_than_pct == 100
    assert standing.relative_brier < 0
    client.force_login(me.user)
    page = client.get(reverse("feedback:standing")).content.decode()
    assert "better than the typical participant" in page
    assert "You did better than about 10 in 10 of the 4 other participants" in page


@pytest.mark.django_db
def test_the_page_never_contains_other_participants_identifiers(client, in_arm):
    me = in_arm("peer")
    answer_phase(me, 1)
    peers = _peers(in_arm, 5)
    client.force_login(me.user)
    page = client.get(reverse("feedback:standing")).content.decode()
    assert "You did better than about" in page
    for peer in peers:
        assert peer.user.email not in page
        assert peer.user.email.split("@")[0] not in page
        assert f"participant {peer.pk}" not in page
        assert f'"{peer.pk}"' not in page
