"""The insight pages: what staff see, the blinded branch, the JSON download, the cache."""

from __future__ import annotations

import json

import pytest
from casecast.judgement import selectors, services
from casecast.studies.models import StudyMembership
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

pytestmark = pytest.mark.django_db

PAGES = ("overview", "calibration", "questions", "noise", "thresholds", "updating")


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def url(name, study):
    return reverse(f"judgement:{name}", kwargs={"slug": study.slug})


def test_every_page_shows_its_figures_to_the_data_monitoring_committee(
    client, study, answered, django_user_model
):
    """The study is randomised, so it is blinded for its team: the DMC sees arms."""
    dmc = django_user_model.objects.create_user(email="insights-dmc@example.org", password="x" * 12)
    StudyMembership.objects.create(study=study, user=dmc, role="dmc")
    client.force_login(dmc)
    data = services.study_insights_json(study=study, role="dmc")
    pages = {name: client.get(url(name, study)) for name in PAGES}
    assert all(response.status_code == 200 for response in pages.values())
    html = {name: response.content.decode() for name, response in pages.items()}
    pooled = data["updating"]["groups"][0]
    assert f"{pooled['brier_before']:.3f}" in html["updating"]
    assert f"{pooled['brier_after']:.3f}" in html["updating"]
    assert f"{data['noise']['system']['system']:.2f}" in html["noise"]
    first = data["calibration"]["groups"][0]
    assert f"{first['brier']:.3f}" in html["calibration"]
    assert "Control, after randomisation" in html["calibration"]
    for name in ("calibration", "questions", "noise", "thresholds", "updating"):
        assert "<svg" in html[name] and "<table" in html[name], name
        assert 'role="img"' in html[name] and "<desc" in html[name], name
    assert "data-blinded" not in html["overview"]


def test_the_study_page_links_to_the_insights(client, study, study_analyst):
    client.force_login(study_analyst)
    page = client.get(reverse("studies:detail", kwargs={"slug": study.slug})).content.decode()
    assert url("overview", study) in page


def test_blinded_viewers_see_pooled_figures_and_no_arm(
    client, study, study_analyst, answered, monkeypatch
):
    monkeypatch.setattr(selectors, "is_blinded", lambda *, study, role=None: True)
    monkeypatch.setattr(
        selectors,
        "arm_labels",
        lambda *, study, role=None: {
            arm.pk: f"Arm {'AB'[i]}" for i, arm in enumerate(study.arms.order_by("position"))
        },
    )
    client.force_login(study_analyst)
    for name in PAGES:
        html = client.get(url(name, study)).content.decode()
        assert "data-blinded" in html, name
        for arm_name in ("Control", "Feedback", "Arm A", "Arm B"):
            assert arm_name not in html, (name, arm_name)
    data = json.loads(client.get(url("json", study)).content)
    assert {g["arm"] for g in data["calibration"]["groups"]} == {None}
    assert {g["arm"] for g in data["noise"]["by_arm_period"]} == {None}
    assert {g["arm"] for g in data["updating"]["groups"]} == {None}
    assert all("by_arm" not in step for step in data["thresholds"]["steps"])


def test_the_json_download_is_the_report(client, study, study_analyst, answered):
    client.force_login(study_analyst)
    response = client.get(url("json", study))
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert list(data) == ["calibration", "questions", "noise", "thresholds", "updating"]
    assert data == json.loads(json.dumps(services.study_insights_json(study=study, role="analyst")))


def test_the_report_is_cached_until_a_forecast_arrives(study, answered, cases):
    first = services.study_insights_json(study=study)
    with CaptureQueriesContext(connection) as ctx:
        again = services.study_insights_json(study=study)
    assert again == first
    # A cache hit runs only the fingerprint's small queries, never the forecast read.
    assert not any("string_agg" in q["sql"] or "ROW_NUMBER" in q["sql"].upper()
                   for q in ctx.captured_queries)  # fmt: skip
    case = cases.case("late", outcome=True)
    cases.answer(answered[0], case.risk, pct=95)
    fresh = services.study_insights_json(study=study)
    assert fresh["calibration"]["n"] == first["calibration"]["n"] + 1
