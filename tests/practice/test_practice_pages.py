"""The practice pages, through the test client: the label is never a form field, refusals
are explained and change nothing, export and delete-all, sharing, and what staff see."""

import csv
import io
import re
from datetime import timedelta

import pytest
from casecast.practice.models import PracticeForecast, PracticeShare
from django.urls import reverse
from django.utils import timezone

from tests.sign_in import sign_in


@pytest.fixture
def worker(client, participant):
    client.force_login(participant.user)
    return participant


def _post_new(client, **overrides):
    page = client.get(reverse("practice:new"))
    local_id = re.search(r'name="local_id" value="([^"]+)"', page.content.decode()).group(1)
    data = {
        "question": "step_down_3m",
        "custom_text": "",
        "probability_pct": "35",
        "due_on": (timezone.localdate() + timedelta(days=90)).isoformat(),
        "local_id": local_id,
        **overrides,
    }
    return client.post(reverse("practice:new"), data)


def _make(owner, number, **fields):
    values = {
        "owner": owner,
        "local_id": f"page-test-{number:04d}-xxxx",
        "question_key": "re_referral_3m",
        "probability_pct": 40,
        "due_on": timezone.localdate() + timedelta(days=30),
        **fields,
    }
    return PracticeForecast.objects.create(**values)


@pytest.mark.django_db
def test_the_case_label_input_has_no_name_so_a_browser_never_posts_it(client, worker):
    html = client.get(reverse("practice:new")).content.decode()
    [label_input] = re.findall(r"<input[^>]*data-practice-label-input[^>]*>", html)
    assert "name=" not in label_input
    assert 'id="practice-case-label"' in label_input
    # Hidden until the script shows it: without JavaScript there is no label to type.
    assert re.search(r"<div[^>]*data-practice-label-group[^>]*hidden", html)
    assert "practice/practice.js" in html


@pytest.mark.django_db
def test_a_forecast_is_saved_and_listed(client, worker):
    response = _post_new(client)
    assert response.status_code == 302 and response["Location"] == reverse("practice:home")
    forecast = PracticeForecast.objects.get()
    assert (forecast.owner, forecast.question_key, forecast.probability_pct) == (
        worker.user,
        "step_down_3m",
        35,
    )
    home = client.get(reverse("practice:home")).content.decode()
    assert "Will the case be stepped down to early help within 3 months?" in home
    assert f'data-practice-label="{forecast.local_id}"' in home


@pytest.mark.django_db
def test_an_identifying_question_is_refused_with_the_reason_and_nothing_is_saved(client, worker):
    response = _post_new(client, question="custom", custom_text="Will Mr Jones move out?")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Your question must not say who the case is about." in html
    assert "It contains what looks like a person&#x27;s name (Mr Jones)." in html
    assert not PracticeForecast.objects.exists()


@pytest.mark.django_db
def test_recording_what_happened(client, worker):
    forecast = _make(worker.user, 1, due_on=timezone.localdate())
    home = client.get(reverse("practice:home")).content.decode()
    assert "Due now: what happened?" in home
    response = client.post(reverse("practice:resolve", args=[forecast.pk]), {"happened": "yes"})
    assert response.status_code == 302
    forecast.refresh_from_db()
    assert forecast.outcome is True
    response = client.post(reverse("practice:resolve", args=[forecast.pk]), {})
    assert "Choose whether it happened" in response.content.decode()


@pytest.mark.django_db
def test_another_workers_forecast_is_not_found(client, worker, participant_other_study):
    theirs = _make(participant_other_study.user, 1)
    assert client.get(reverse("practice:resolve", args=[theirs.pk])).status_code == 404
    assert (
        client.post(reverse("practice:resolve", args=[theirs.pk]), {"happened": "yes"}).status_code
        == 404
    )
    theirs.refresh_from_db()
    assert theirs.outcome is None


@pytest.mark.django_db
def test_the_export_holds_every_forecast_with_formulas_neutralised(client, worker):
    _make(worker.user, 1, question_key="", custom_text="=1+1 will mum attend?")
    _make(worker.user, 2, outcome=False, resolved_at=timezone.now())
    response = client.get(reverse("practice:export"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["local_id", "question", "common_question_key", "probability_pct"]
    assert len(rows) == 3
    by_id = {row[0]: row for row in rows[1:]}
    assert by_id["page-test-0001-xxxx"][1] == "'=1+1 will mum attend?"
    assert by_id["page-test-0002-xxxx"][5] == "no"


@pytest.mark.django_db
def test_delete_everything_asks_first_then_deletes(client, worker, participant_other_study):
    _make(worker.user, 1)
    _make(worker.user, 2)
    theirs = _make(participant_other_study.user, 3)
    page = client.get(reverse("practice:delete_all")).content.decode()
    assert "This deletes all 2 of your practice forecasts" in page
    assert "data-practice-forget-labels" in page  # the script clears this browser's labels
    assert PracticeForecast.objects.count() == 3  # asking changes nothing
    response = client.post(reverse("practice:delete_all"), follow=True)
    assert "Deleted 2 practice forecasts." in response.content.decode()
    assert list(PracticeForecast.objects.all()) == [theirs]


@pytest.mark.django_db
def test_sharing_with_ones_study(client, worker):
    page = client.get(reverse("practice:sharing")).content.decode()
    assert worker.study.title in page
    client.post(reverse("practice:sharing"), {"studies": [worker.study.pk]})
    assert PracticeShare.objects.filter(owner=worker.user, study=worker.study).exists()
    client.post(reverse("practice:sharing"), {})
    assert not PracticeShare.objects.exists()


@pytest.mark.django_db
def test_staff_see_counts_and_only_shared_anonymised_records(
    client, participant, participant_feedback, researcher
):
    study = participant.study
    _make(participant.user, 1, question_key="", custom_text="Will the dog be rehomed?")
    _make(participant.user, 2, outcome=True, resolved_at=timezone.now())
    _make(participant_feedback.user, 3, question_key="plan_ends_6m")
    PracticeShare.objects.create(owner=participant.user, study=study)
    sign_in(client, researcher)
    html = client.get(reverse("practice:study_practice", args=[study.slug])).content.decode()
    counts = re.sub(r"\s+", " ", re.search(r"data-practice-counts>(.*?)</dl>", html, re.S).group(1))
    assert 'Participants who practise</dt><dd class="govuk-summary-list__value">2<' in counts
    assert 'Practice forecasts</dt><dd class="govuk-summary-list__value">3<' in counts
    assert 'Of which resolved</dt><dd class="govuk-summary-list__value">1<' in counts
    assert (
        'Participants sharing their record</dt><dd class="govuk-summary-list__value">1<' in counts
    )
    assert html.count("data-shared-record") == 1
    assert "Worker 1: 2 forecasts, 1 resolved" in html
    # Never a worker's own words, who they are, or the record of someone who did not share.
    assert "rehomed" not in html
    assert "participant@example.org" not in html and "feedback@example.org" not in html
    assert "(the worker's own question)" in html


@pytest.mark.django_db
def test_staff_accounts_do_not_practise_and_anonymous_visitors_are_asked_for_a_link(
    client, researcher
):
    sign_in(client, researcher)
    assert client.get(reverse("practice:home")).status_code == 404
    client.logout()
    response = client.get(reverse("practice:home"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:request_link")


@pytest.mark.django_db
def test_the_menu_offers_practice_to_participants(client, worker):
    html = client.get(reverse("forecasts:tasks")).content.decode()
    assert f'href="{reverse("practice:home")}">Practice</a>' in html
