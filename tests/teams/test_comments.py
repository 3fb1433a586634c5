"""Team comments: only after one's own forecast, plain text checked, and staff may hide them."""

from __future__ import annotations

import pytest
from casecast.audit.models import AuditEvent
from casecast.studies import services as study_services
from casecast.studies.models import StudyMembership
from casecast.teams.models import TeamComment, TeamReveal
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from tests.teams.conftest import (
    client_for,
    question,
    reveal_team,
    stages_of,
    start_case,
    submit_stage,
)


@pytest.fixture
def pair(team_member, team_study):
    """Two teammates who have both answered part 1 of the case and chosen to see their team."""
    me, mate = team_member("me@example.org"), team_member("mate@example.org")
    q, cases = question(team_study, "rereferral-3m"), []
    for person in (me, mate):
        assignment = start_case(person, team_study)
        submit_stage(assignment, stages_of(assignment)[0])
        assert reveal_team(person, assignment, q).status_code == 302
        cases.append(assignment)
    return me, mate, cases[0], cases[1], q


def _url(assignment, q) -> str:
    return f"/cases/{assignment.pk}/questions/{q.pk}/team/"


def test_a_comment_before_my_own_forecast_is_refused(team_member, team_study):
    early = team_member("early@example.org")
    assignment = start_case(early, team_study)
    q = question(team_study, "rereferral-3m")
    response = client_for(early).post(_url(assignment, q), {"text": "I think it is likely"})
    assert response.status_code == 403
    assert not TeamComment.objects.exists()


def test_my_comment_reaches_my_teammate_under_my_letter(pair):
    me, mate, mine, theirs, q = pair
    response = client_for(me).post(_url(mine, q), {"text": "The bruise worries me most."})
    assert response.status_code == 302
    page = client_for(mate).get(_url(theirs, q)).content.decode()
    assert "The bruise worries me most." in page
    assert "Teammate A" in page and "me@example.org" not in page


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("   ", "Enter a comment"),
        ("x" * 1001, "Your comment must be 1000 characters or fewer"),
    ],
)
def test_an_empty_or_long_comment_is_refused_with_the_reason(pair, text, message):
    me, _mate, mine, _theirs, q = pair
    response = client_for(me).post(_url(mine, q), {"text": text})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not TeamComment.objects.exists()


def _staff(django_user_model, study, role: str, email: str) -> Client:
    user = django_user_model.objects.create_user(email=email, password="x" * 12)
    StudyMembership.objects.create(study=study, user=user, role=role)
    client = Client()
    client.force_login(user)
    return client


def test_a_researcher_hides_a_comment_with_a_reason_and_the_team_sees_the_notice(
    pair, team_study, django_user_model
):
    me, mate, mine, theirs, q = pair
    client_for(me).post(_url(mine, q), {"text": "Her mum is Jade from Elm Street."})
    comment = TeamComment.objects.get()
    staff = _staff(django_user_model, team_study, "researcher", "mod@example.org")
    hide = f"/studies/{team_study.slug}/teams/comments/{comment.pk}/hide/"
    assert (
        "Her mum is Jade"
        in staff.get(f"/studies/{team_study.slug}/teams/comments/").content.decode()
    )
    refused = staff.post(hide, {"reason": ""})
    assert "Enter why you are hiding this comment" in refused.content.decode()
    comment.refresh_from_db()
    assert comment.hidden_at is None
    assert staff.post(hide, {"reason": "Names a family member"}).status_code == 302
    comment.refresh_from_db()
    assert comment.hidden_reason == "Names a family member" and comment.hidden_by is not None
    event = AuditEvent.objects.get(action="team.comment_hide", target_id=str(comment.pk))
    assert event.reason == "Names a family member" and event.study_id == team_study.pk
    page = client_for(mate).get(_url(theirs, q)).content.decode()
    assert "Comment hidden by the research team" in page and "Jade" not in page


def test_an_analyst_reads_comments_but_cannot_hide_them(pair, team_study, django_user_model):
    me, _mate, mine, _theirs, q = pair
    client_for(me).post(_url(mine, q), {"text": "Attendance is the key fact."})
    comment = TeamComment.objects.get()
    analyst = _staff(django_user_model, team_study, "analyst", "reader@example.org")
    listing = analyst.get(f"/studies/{team_study.slug}/teams/comments/")
    assert listing.status_code == 200 and "/hide/" not in listing.content.decode()
    hide = f"/studies/{team_study.slug}/teams/comments/{comment.pk}/hide/"
    assert analyst.post(hide, {"reason": "no"}).status_code == 403
    comment.refresh_from_db()
    assert comment.hidden_at is None


def test_the_database_refuses_a_hidden_comment_without_a_reason(pair):
    me, _mate, mine, _theirs, q = pair
    client_for(me).post(_url(mine, q), {"text": "Fine."})
    comment = TeamComment.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        TeamComment.objects.filter(pk=comment.pk).update(hidden_at=timezone.now())


def test_erasure_removes_what_a_member_wrote_and_when_they_looked(pair):
    me, mate, mine, theirs, q = pair
    client_for(me).post(_url(mine, q), {"text": "Mine to take back."})
    client_for(mate).post(_url(theirs, q), {"text": "Stays."})
    study_services.participant_withdraw(participant=me, keep_data=False, by=me.user)
    assert list(TeamComment.objects.values_list("text", flat=True)) == ["Stays."]
    assert not TeamReveal.objects.filter(participant=me).exists()
