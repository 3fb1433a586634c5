"""Recruitment and progress by council: hand-counted figures, sorting, the council lead's
restricted view, and a constant number of queries at 100 councils and 6,000 people."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from casecast.forecasts.models import Assignment
from casecast.studies import progress
from casecast.studies.models import (
    Council,
    EnrolmentRoute,
    Invitation,
    Participant,
    Study,
    StudyMembership,
)
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.fixtures_studies import build_study, create_participant
from tests.fixtures_vignettes import make_staged_vignette

pytestmark = pytest.mark.django_db
Role = StudyMembership.Role


def _lead(django_user_model, study: Study, council: Council):
    user = django_user_model.objects.create_user(email="lead@example.org", password="x" * 12)
    StudyMembership.objects.create(study=study, user=user, role=Role.COUNCIL_LEAD, council=council)
    return user


@pytest.fixture
def small_study(researcher):
    """North: 3 invited, 3 enrolled (2 consented, 1 randomised, 1 withdrawn);
    West: 1 invited, 1 enrolled and randomised; 1 study-code participant without council."""
    study = build_study(by=researcher)
    north, west = study.councils.order_by("name")
    for council, n in ((north, 3), (west, 1)):
        Invitation.objects.bulk_create(
            Invitation(study=study, council=council, kind=Invitation.Kind.EMAIL) for _ in range(n)
        )
    create_participant(study=study, council=north, email="n1@example.org", stage="invited")
    create_participant(study=study, council=north, email="n2@example.org", stage="consented")
    withdrawn = create_participant(study=study, council=north, email="n3@example.org")
    Participant.objects.filter(pk=withdrawn.pk).update(withdrawn_at=timezone.now())
    create_participant(study=study, council=west, email="w1@example.org")
    Participant.objects.create(study=study, enrolled_via=EnrolmentRoute.STUDY_CODE)
    return study


def test_counts_by_council_and_in_total_are_the_hand_counts(small_study):
    result = progress.recruitment_progress(study=small_study)
    rows = {row.label: row for row in result.councils}
    north, west = rows["Northshire County Council"], rows["Westbridge Borough Council"]
    assert (north.invited, north.enrolled, north.consented, north.randomised, north.withdrawn) == (
        3,
        3,
        2,
        1,
        1,
    )
    assert (west.invited, west.enrolled, west.consented, west.randomised, west.withdrawn) == (
        1,
        1,
        1,
        1,
        0,
    )
    totals = result.totals
    # The totals include the study-code participant, who has no council.
    assert (totals.invited, totals.enrolled, totals.consented, totals.randomised) == (4, 5, 3, 2)
    assert [(s.before, s.after) for s in result.attrition[:3]] == [(4, 5), (5, 3), (3, 2)]
    assert sum(w.enrolled for w in result.weeks) == 5 and result.weeks[-1].cumulative == 5
    assert sum(c.randomised for c in result.by_arm.values()) == 2


def test_completing_a_phase_means_every_case_in_it_is_done(researcher):
    study = build_study(by=researcher)
    first_phase = study.phases.order_by("position").first()
    version = make_staged_vignette(study=study).current_version()
    done = create_participant(study=study, email="done@example.org")
    half = create_participant(study=study, email="half@example.org")
    now = timezone.now()
    Assignment.objects.bulk_create(
        [
            Assignment(participant=done, phase=first_phase, vignette_version=version, position=0,
                       completed_at=now),
            Assignment(participant=half, phase=first_phase, vignette_version=version, position=0,
                       completed_at=now),
            Assignment(participant=half, phase=first_phase, vignette_version=version, position=1,
                       is_retest=True),
        ]
    )  # fmt: skip
    result = progress.recruitment_progress(study=study)
    assert result.totals.completed == [1, 0]
    arm = result.by_arm[done.arm_id]
    assert arm.completed[0] == 1


def test_weeks_start_on_monday_and_leave_no_gaps():
    monday = dt.date(2026, 3, 2)
    weeks = progress._weeks(
        {monday: 1, monday + dt.timedelta(days=6): 1, monday + dt.timedelta(days=15): 1}
    )
    assert [(w.week_start, w.enrolled, w.cumulative) for w in weeks] == [
        (monday, 2, 2),
        (monday + dt.timedelta(days=7), 0, 2),
        (monday + dt.timedelta(days=14), 1, 3),
    ]


def test_sorting_by_a_column_and_reversing(small_study):
    rows = progress.recruitment_progress(study=small_study).councils
    by_enrolled = progress.sort_councils(rows, key="enrolled", descending=True)
    assert [r.enrolled for r in by_enrolled] == [3, 1]
    assert [r.enrolled for r in progress.sort_councils(rows, key="enrolled", descending=False)] == [
        1,
        3,
    ]
    unknown = progress.sort_councils(rows, key="nonsense", descending=False)
    assert [r.label for r in unknown] == sorted(r.label for r in rows)


def test_the_page_sorts_without_javascript(client, researcher, small_study):
    client.force_login(researcher)
    url = reverse("studies:recruitment", args=[small_study.slug])
    html = client.get(url + "?sort=enrolled&order=descending").content.decode()
    assert html.index("Northshire County Council</th>") < html.index(
        "Westbridge Borough Council</th>"
    )
    assert 'aria-sort="descending"' in html
    html = client.get(url + "?sort=enrolled").content.decode()
    assert html.index("Westbridge Borough Council</th>") < html.index(
        "Northshire County Council</th>"
    )


def test_a_council_lead_sees_only_their_councils_counts(client, django_user_model, small_study):
    north = small_study.councils.get(name="Northshire County Council")
    client.force_login(_lead(django_user_model, small_study, north))
    response = client.get(reverse("studies:recruitment", args=[small_study.slug]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Northshire County Council" in html and "Westbridge" not in html
    assert "Completion by arm" not in html
    for name in small_study.arms.values_list("name", flat=True):
        assert f">{name}<" not in html
    assert "n1@example.org" not in html
    # Every other study page is closed to them.
    for page in ("studies:detail", "studies:participants", "studies:consort"):
        assert client.get(reverse(page, args=[small_study.slug])).status_code == 403
    assert client.get(reverse("resolution:results", args=[small_study.slug])).status_code == 403


def _big_study(researcher, *, councils: int, people: int) -> Study:
    study = build_study(by=researcher, title=f"Study of {people}")  # two councils
    Council.objects.bulk_create(
        Council(study=study, name=f"Council {i:03d}", enrolment_code=None)
        for i in range(councils - 2)
    )
    council_ids = list(study.councils.values_list("pk", flat=True))
    arm_ids = list(study.arms.values_list("pk", flat=True))
    rng = random.Random(7)
    now = timezone.now()
    consent = study.consent_versions.last()
    Participant.objects.bulk_create(
        Participant(
            study=study,
            council_id=rng.choice(council_ids),
            consented_at=now if i % 3 else None,
            consent_version=consent if i % 3 else None,
            arm_id=rng.choice(arm_ids) if i % 2 else None,
            withdrawn_at=now if i % 50 == 0 else None,
        )
        for i in range(people)
    )
    return study


def test_queries_do_not_grow_with_councils_or_participants(client, researcher):
    small = _big_study(researcher, councils=3, people=30)
    big = _big_study(researcher, councils=100, people=6000)
    client.force_login(researcher)

    def page_queries(study: Study) -> int:
        url = reverse("studies:recruitment", args=[study.slug])
        client.get(url)  # the first request of a session also writes the session
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured)

    assert page_queries(big) == page_queries(small)
    with CaptureQueriesContext(connection) as captured:
        result = progress.recruitment_progress(study=big)
    assert len(captured) == 7
    assert result.totals.enrolled == 6000 and len(result.councils) == 100
    assert sum(c.enrolled for c in result.councils) == 6000
