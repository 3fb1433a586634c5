"""Practice forecasts are saved only when every part is sound; a refusal names the field
and changes nothing. Resolving, deleting everything and sharing."""

from datetime import date, timedelta

import pytest
from casecast.audit.models import AuditEvent
from casecast.practice import services
from casecast.practice.models import PracticeForecast, PracticeShare
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

TODAY = date(2026, 3, 10)


def _create(owner, **overrides):
    values = {
        "owner": owner,
        "question": "re_referral_3m",
        "custom_text": "",
        "probability_pct": 30,
        "due_on": TODAY + timedelta(days=90),
        "local_id": services.new_local_id(),
        "today": TODAY,
        **overrides,
    }
    return services.practice_forecast_create(**values)


@pytest.mark.django_db
def test_a_common_question_is_saved_by_its_key(participant):
    forecast = _create(participant.user)
    forecast.refresh_from_db()
    assert (forecast.question_key, forecast.custom_text) == ("re_referral_3m", "")
    assert forecast.probability_pct == 30
    assert forecast.outcome is None and forecast.resolved_at is None


@pytest.mark.django_db
def test_an_own_question_is_saved_with_its_spacing_tidied(participant):
    forecast = _create(
        participant.user, question="custom", custom_text="  Will mum attend   the meeting? "
    )
    assert (forecast.question_key, forecast.custom_text) == ("", "Will mum attend the meeting?")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"question": "no-such-question"}, "question", "Choose a question"),
        ({"question": "custom", "custom_text": "  "}, "custom_text", "Write your question"),
        ({"question": "custom", "custom_text": "x" * 201}, "custom_text", "200 characters"),
        (
            {"question": "custom", "custom_text": "Will Mr Jones move?"},
            "custom_text",
            "looks like a person's name (Mr Jones)",
        ),
        ({"probability_pct": 0}, "probability_pct", "from 1 to 99"),
        ({"probability_pct": 100}, "probability_pct", "from 1 to 99"),
        ({"due_on": TODAY}, "due_on", "in the future"),
        ({"due_on": TODAY + timedelta(days=3 * 366 + 1)}, "due_on", "within 3 years"),
        ({"local_id": "my case: the Smiths"}, "__all__", "out of date"),
    ],
)
def test_bad_input_is_refused_at_its_field_and_nothing_is_saved(
    participant, overrides, field, message
):
    with pytest.raises(ValidationError) as refused:
        _create(participant.user, **overrides)
    error = refused.value
    found = error.message_dict[field] if hasattr(error, "error_dict") else error.messages
    assert field in getattr(error, "error_dict", {"__all__": None})
    assert any(message in text for text in found)
    assert not PracticeForecast.objects.exists()


@pytest.mark.django_db
def test_the_same_form_sent_twice_saves_one_forecast(participant):
    _create(participant.user, local_id="A" * 24)
    with pytest.raises(ValidationError, match="already saved"):
        _create(participant.user, local_id="A" * 24)
    assert PracticeForecast.objects.count() == 1


@pytest.mark.django_db
def test_the_database_refuses_what_the_service_would(participant):
    good = {
        "owner": participant.user,
        "local_id": "B" * 24,
        "question_key": "re_referral_3m",
        "probability_pct": 50,
        "due_on": TODAY,
    }
    for bad in (
        {"probability_pct": 100},
        {"custom_text": "Both a key and a text"},
        {"question_key": ""},  # neither
        {"outcome": True},  # resolved without a time
        {"local_id": "has spaces in it, too"},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            PracticeForecast.objects.create(**{**good, **bad})
    assert not PracticeForecast.objects.exists()


@pytest.mark.django_db
def test_the_owner_records_and_may_correct_what_happened(participant):
    forecast = _create(participant.user)
    services.practice_forecast_resolve(owner=participant.user, forecast=forecast, happened=True)
    forecast.refresh_from_db()
    assert forecast.outcome is True and forecast.resolved_at is not None
    services.practice_forecast_resolve(owner=participant.user, forecast=forecast, happened=False)
    forecast.refresh_from_db()
    assert forecast.outcome is False


@pytest.mark.django_db
def test_nobody_else_can_resolve_a_forecast(participant, participant_other_study):
    forecast = _create(participant.user)
    with pytest.raises(ValidationError):
        services.practice_forecast_resolve(
            owner=participant_other_study.user, forecast=forecast, happened=True
        )
    forecast.refresh_from_db()
    assert forecast.outcome is None


@pytest.mark.django_db
def test_delete_everything_removes_only_the_owners_forecasts_and_shares(
    participant, participant_other_study
):
    for _ in range(3):
        _create(participant.user)
    theirs = _create(participant_other_study.user)
    services.practice_sharing_set(owner=participant.user, studies=[participant.study])
    assert services.practice_everything_delete(owner=participant.user) == 3
    assert list(PracticeForecast.objects.all()) == [theirs]
    assert not PracticeShare.objects.exists()
    event = AuditEvent.objects.get(action="practice.delete_all")
    assert event.data == {"forecasts": 3}


@pytest.mark.django_db
def test_sharing_is_only_with_ones_own_studies_and_can_be_withdrawn(
    participant, participant_other_study
):
    owner = participant.user
    with pytest.raises(ValidationError, match="take part in"):
        services.practice_sharing_set(owner=owner, studies=[participant_other_study.study])
    assert not PracticeShare.objects.exists()
    services.practice_sharing_set(owner=owner, studies=[participant.study])
    assert list(PracticeShare.objects.values_list("owner", "study")) == [
        (owner.pk, participant.study.pk)
    ]
    services.practice_sharing_set(owner=owner, studies=[])
    assert not PracticeShare.objects.exists()
    actions = list(
        AuditEvent.objects.filter(action__startswith="practice.")
        .order_by("pk")
        .values_list("action", "study_id")
    )
    assert actions == [
        ("practice.share", participant.study.pk),
        ("practice.unshare", participant.study.pk),
    ]
