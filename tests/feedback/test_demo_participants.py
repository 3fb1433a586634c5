"""seed_demo adds one participant in each feedback arm, who sees their arm's feedback."""

import pytest
from casecast.feedback.demo import seed_demo_feedback_participants
from casecast.studies.models import Participant
from django.urls import reverse

from tests.feedback.page import feedback_cards


@pytest.mark.django_db
def test_demo_participants_see_their_arms_feedback_and_seeding_twice_changes_nothing(
    client, researcher
):
    from casecast.studies.demo import seed_demo_study
    from casecast.vignettes.demo import seed_demo_bank

    study = seed_demo_study(researcher=researcher)
    seed_demo_bank(study=study)
    people = seed_demo_feedback_participants(study=study)
    again = seed_demo_feedback_participants(study=study)
    assert [label for label, _ in people] == ["Outcome feedback arm", "Calibration training arm"]
    assert [user.pk for _, user in people] == [user.pk for _, user in again]
    assert Participant.objects.filter(study=study).count() == 2
    for label, user in people:
        participant = Participant.objects.get(user=user, study=study)
        assert participant.arm.feedback_policies
        client.force_login(user)
        page = client.get(reverse("feedback:track_record")).content.decode()
        assert "Your overall score is" in page, label
    outcome_user = people[0][1]
    client.force_login(outcome_user)
    assignment = Participant.objects.get(user=outcome_user).assignments.first()
    cards = feedback_cards(client.get(reverse("feedback:case", args=[assignment.pk])).content)
    assert cards and all(card.rows.get("Your score") for card in cards)
