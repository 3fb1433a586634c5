"""Paging, filters and their refusals, arms through the blinding seam, councils by
pseudonym, the audit row of every request and the per-token rate limit."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from casecast.api.pagination import SALT
from casecast.audit.models import AuditEvent
from casecast.forecasts.models import Forecast
from casecast.resolution.models import ArmSummary, ForecastScore
from casecast.resolution.services import question_annul
from casecast.studies import blinding
from casecast.studies.models import Participant, StudyMembership
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from tests.api.conftest import all_pages, bearer
from tests.sign_in import sign_in


def _url(study, name: str) -> str:
    return reverse(f"api:{name}", kwargs={"slug": study.slug})


# --- paging ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_pages_cover_every_row_once_in_order(api, demo, demo_admin, make_token):
    secret = make_token(demo_admin, demo)
    expected = sorted(Forecast.objects.filter(participant__study=demo).values_list("pk", flat=True))
    rows = all_pages(api, _url(demo, "forecasts") + "?page_size=250", secret)
    assert [row["forecast_id"] for row in rows] == expected
    first = api.get(_url(demo, "forecasts") + "?page_size=250", **bearer(secret)).json()
    assert len(first["results"]) == 250 and first["previous"] is None


@pytest.mark.django_db
def test_participants_page_by_enrolment_and_no_cursor_carries_their_id(
    api, demo, demo_admin, make_token
):
    secret = make_token(demo_admin, demo)
    rows = all_pages(api, _url(demo, "participants") + "?page_size=7", secret)
    participants = list(Participant.objects.filter(study=demo).order_by("enrolled_at", "pk"))
    assert len(rows) == len(participants)
    key = demo.pseudonym_key
    assert [row["pseudonym"] for row in rows] == [
        hmac.new(key.encode(), f"participant:{p.pk}".encode(), hashlib.sha256).hexdigest()
        for p in participants
    ]
    body = api.get(_url(demo, "participants") + "?page_size=7", **bearer(secret)).json()
    cursor = parse_qs(urlsplit(body["next"]).query)["cursor"][0]
    # The position is the enrolment time (a column of the row), never a database id.
    position = signing.loads(cursor, salt=SALT)["p"]
    assert datetime.fromisoformat(position) == participants[6].enrolled_at
    assert "email" not in body["results"][0] and "name" not in body["results"][0]


@pytest.mark.django_db
def test_a_made_up_cursor_or_a_page_size_out_of_range_is_refused(api, demo, demo_admin, make_token):
    secret = make_token(demo_admin, demo)
    for cursor in ("nonsense", "eyJvIjowLCJyIjowLCJwIjoiMiJ9", "a:b:c"):
        response = api.get(_url(demo, "scores") + f"?cursor={cursor}", **bearer(secret))
        assert response.status_code == 404, cursor
        assert "cursor is not valid" in response.json()["detail"]
    for size in ("0", "1001", "ten", "-5"):
        response = api.get(_url(demo, "scores") + f"?page_size={size}", **bearer(secret))
        assert response.status_code == 400, size
        assert response.json() == {"page_size": ["Give a whole number from 1 to 1000."]}


# --- filters ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_phase_and_question_filters(api, demo, demo_admin, make_token):
    secret = make_token(demo_admin, demo)
    scores = ForecastScore.objects.filter(study=demo)
    second = all_pages(api, _url(demo, "scores") + "?phase=2&page_size=1000", secret)
    assert {row["phase"] for row in second} == {2}
    assert len(second) == scores.filter(forecast__assignment__phase__position=2).count() > 0
    question = scores.order_by("pk").first().question_id
    rows = all_pages(api, _url(demo, "scores") + f"?question={question}&page_size=1000", secret)
    assert {row["question_id"] for row in rows} == {question}
    assert len(rows) == scores.filter(question_id=question).count()


@pytest.mark.django_db
def test_updated_since_returns_what_changed_at_or_after_it(api, demo, demo_admin, make_token):
    secret = make_token(demo_admin, demo)
    cut = timezone.now() + timedelta(seconds=1)
    assert (
        all_pages(api, _url(demo, "scores") + f"?updated_since={cut:%Y-%m-%dT%H:%M:%S}Z", secret)
        == []
    )
    # Make some scores newer than the cut, as a rescore would.
    newer = list(ForecastScore.objects.filter(study=demo).order_by("pk")[:3])
    ForecastScore.objects.filter(pk__in=[s.pk for s in newer]).update(
        scored_at=cut + timedelta(hours=1)
    )
    for spelled in (
        f"{cut:%Y-%m-%dT%H:%M:%S}Z",
        f"{cut:%Y-%m-%dT%H:%M:%S}+00:00",
        f"{cut:%Y-%m-%d %H:%M:%S}",
    ):
        response = api.get(_url(demo, "scores"), {"updated_since": spelled}, **bearer(secret))
        assert response.status_code == 200, spelled
        assert [row["forecast_id"] for row in response.json()["results"]] == [s.pk for s in newer]
    # A "+" the client forgot to percent-encode arrives as a space and is still read.
    in_paris = cut + timedelta(hours=1)  # the same moment, written at UTC+1
    raw = f"?updated_since={in_paris:%Y-%m-%dT%H:%M:%S}+01:00"
    response = api.get(_url(demo, "scores") + raw, **bearer(secret))
    assert response.status_code == 200
    assert [row["forecast_id"] for row in response.json()["results"]] == [s.pk for s in newer]


@pytest.mark.django_db
def test_outcomes_updated_since_follow_the_audit_trail(api, demo, demo_admin, make_token):
    secret = make_token(demo_admin, demo)
    start = timezone.now()
    url = _url(demo, "outcomes")
    assert (
        all_pages(api, f"{url}?updated_since={start.isoformat().replace('+', '%2B')}", secret) == []
    )
    score = ForecastScore.objects.filter(study=demo).order_by("pk").first()
    question = score.question
    question_annul(question=question, by=demo_admin, reason="Outcome recorded in error")
    rows = all_pages(api, f"{url}?updated_since={start.isoformat().replace('+', '%2B')}", secret)
    assert question.pk in {row["question_id"] for row in rows}
    assert all(row["annulled"] == 1 for row in rows)


BAD_FILTERS = [
    ("phase=0", "phase", "whole number, 1 or more"),
    ("phase=two", "phase", "whole number, 1 or more"),
    ("phase=9", "phase", "This study has no phase 9 (phases: 1, 2, 3)"),
    ("question=abc", "question", "whole number, 1 or more"),
    ("question=999999", "question", "This study has no question 999999"),
    ("updated_since=yesterday", "updated_since", "ISO 8601"),
    ("updated_since=2026-13-40", "updated_since", "ISO 8601"),
    ("updated_since=0001-01-01T00:00:00%2B05:00", "updated_since", "years 1 and 9999"),
    ("updated_since=9999-12-31T23:00:00-05:00", "updated_since", "years 1 and 9999"),
]


@pytest.mark.django_db
def test_bad_filter_values_get_a_specific_400_and_read_nothing(api, demo, demo_admin, make_token):
    secret = make_token(demo_admin, demo)
    for query, field, message in BAD_FILTERS:
        response = api.get(_url(demo, "forecasts") + f"?{query}", **bearer(secret))
        assert response.status_code == 400, query
        assert set(response.json()) == {field}, query
        assert message in response.json()[field][0], query


# --- arms, councils, results ----------------------------------------------------------------------


@pytest.mark.django_db
def test_arms_are_named_by_the_blinding_seam(api, demo, demo_admin, make_token, django_user_model):
    # The demo study recruits, so its team sees coded arms; nothing else names an arm.
    secret = make_token(demo_admin, demo)
    blinded = api.get(_url(demo, "arms"), **bearer(secret))
    codes = blinding.arm_labels(study=demo, role="admin")
    assert {arm["arm"] for arm in blinded.json()["results"]} == set(codes.values())
    assert all(label.startswith("Arm ") for label in codes.values())
    assert all(
        arm["key"] is None and arm["is_control"] is None for arm in blinded.json()["results"]
    )
    results = api.get(_url(demo, "results"), **bearer(secret))
    for name in demo.arms.values_list("name", flat=True):
        assert name.encode() not in blinded.content and name.encode() not in results.content
    # The data monitoring committee sees the arms' names.
    dmc = django_user_model.objects.create_user(email="api-dmc2@example.org", password="x" * 12)
    StudyMembership.objects.create(study=demo, user=dmc, role="dmc")
    arms = api.get(_url(demo, "arms"), **bearer(make_token(dmc, demo))).json()["results"]
    assert arms[0] == {"arm": "Control", "key": "control", "is_control": True}


@pytest.mark.django_db
def test_councils_are_pseudonyms_with_their_participants(api, demo, demo_admin, make_token):
    secret = make_token(demo_admin, demo)
    response = api.get(_url(demo, "councils"), **bearer(secret))
    got = {row["council"]: row["participants"] for row in response.json()["results"]}
    key = demo.pseudonym_key.encode()
    expected = {
        hmac.new(
            key, f"council:{c.pk}".encode(), hashlib.sha256
        ).hexdigest(): c.participants.count()
        for c in demo.councils.all()
    }
    assert got == expected
    for name in demo.councils.values_list("name", flat=True):
        assert name.encode() not in response.content


@pytest.mark.django_db
def test_results_pool_the_arms_while_blinded_and_are_the_stored_summaries_for_the_dmc(
    api, demo, demo_admin, make_token, django_user_model
):
    summaries = list(ArmSummary.objects.filter(study=demo).select_related("arm"))
    # The demo study recruits, so its team is blinded: one pooled row, no arm named.
    body = api.get(_url(demo, "results"), **bearer(make_token(demo_admin, demo))).json()
    (pooled,) = body["arms"]
    assert pooled["key"] is None and pooled["difference"] is None
    counted = [s for s in summaries if s.mean_brier is not None]
    expected = sum(s.n_participants * s.mean_brier for s in counted) / sum(
        s.n_participants for s in counted
    )
    assert pooled["mean_brier"] == pytest.approx(expected, abs=1e-12)
    # The data monitoring committee reads the stored summaries arm by arm.
    dmc = django_user_model.objects.create_user(email="api-dmc@example.org", password="x" * 12)
    StudyMembership.objects.create(study=demo, user=dmc, role="dmc")
    body = api.get(_url(demo, "results"), **bearer(make_token(dmc, demo))).json()
    by_key = {arm["key"]: arm for arm in body["arms"]}
    for summary in summaries:
        got = by_key[summary.arm.key]
        assert got["n_participants"] == summary.n_participants
        assert got["mean_brier"] == pytest.approx(summary.mean_brier, abs=1e-12)
    assert (
        sum(row["count"] for row in body["calibration"])
        == ForecastScore.objects.filter(
            study=demo, is_last=True, is_retest=False, probability__isnull=False
        ).count()
    )


# --- audit and rate limit ----------------------------------------------------------------


@pytest.mark.django_db
def test_every_request_with_a_token_leaves_one_audit_row(api, demo, demo_admin, make_token):
    secret = make_token(demo_admin, demo)
    before = AuditEvent.objects.filter(action="api.request").count()
    api.get(_url(demo, "scores") + "?phase=2&page_size=3", **bearer(secret))
    api.get(_url(demo, "forecasts") + "?phase=99", **bearer(secret))
    api.get(reverse("api:studies"), **bearer(secret))
    api.get(_url(demo, "scores"))  # no token: nobody to name, nothing read
    events = list(AuditEvent.objects.filter(action="api.request").order_by("pk"))[before:]
    assert [(e.data["path"], e.data["status"]) for e in events] == [
        (_url(demo, "scores"), 200),
        (_url(demo, "forecasts"), 400),
        (reverse("api:studies"), 200),
    ]
    assert events[0].actor == demo_admin and events[0].study_id == demo.pk
    assert events[0].data["query"] == "phase=2&page_size=3"
    assert events[0].data["token"] == secret.split("_")[1]
    assert events[2].study_id is None


@pytest.mark.django_db
def test_over_the_rate_limit_a_token_gets_429_with_retry_after(
    api, demo, demo_admin, make_token, settings
):
    settings.API_RATE_LIMIT = "3/minute"
    secret, other = make_token(demo_admin, demo), make_token(demo_admin, demo)
    statuses = [api.get(_url(demo, "study"), **bearer(secret)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = api.get(_url(demo, "study"), **bearer(secret))
    assert limited.status_code == 429 and 0 < int(limited["Retry-After"]) <= 60
    # The limit is per token: another token of the same person is not held back.
    assert api.get(_url(demo, "study"), **bearer(other)).status_code == 200
    assert AuditEvent.objects.filter(action="api.request", data__status=429).count() == 2


@pytest.mark.django_db
def test_the_studys_audit_page_shows_api_requests(api, client, demo, demo_admin, make_token):
    secret = make_token(demo_admin, demo)
    api.get(_url(demo, "participants") + "?page_size=2", **bearer(secret))
    sign_in(client, demo_admin)
    page = client.get(
        reverse("studies:audit", kwargs={"slug": demo.slug}), {"action": "api.request"}
    )
    assert page.status_code == 200
    assert _url(demo, "participants") in page.content.decode()
