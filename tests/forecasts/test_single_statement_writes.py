"""The journey's hottest writes are one hand-written statement each (core/row_writes.py).

Showing a part records its first view, every autosave upserts a draft, and a submission
inserts its forecasts and deletes the part's draft; all went through the ORM, whose
`bulk_create` wraps even one row in BEGIN ... COMMIT. These tests hold the hand-written
statements to what the ORM stored: the same values read back, conflicts handled as
before, one statement and no transaction of their own, and still part of a transaction
that surrounds them.
"""

from datetime import timedelta

import pytest
from casecast.core import row_writes
from casecast.forecasts import selectors, services
from casecast.forecasts.models import Draft, Forecast, StageVisit
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)


def _stages(assignment):
    return selectors.version_stages(version=assignment.vignette_version)


def _field(stage) -> str:
    return f"q{selectors.stage_questions(stage=stage)[0].pk}"


def test_a_draft_is_saved_by_one_statement_outside_any_transaction(case_assignment):
    first = _stages(case_assignment)[0]
    with CaptureQueriesContext(connection) as captured:
        row_writes.upsert_returning_pk(
            Draft,
            {
                "assignment": case_assignment.pk,
                "stage": first.pk,
                "answers": {"q1": "40"},
                "updated_at": timezone.now(),
            },
            unique=("assignment", "stage"),
            update=("answers", "updated_at"),
            using="default",
        )
    statements = [query["sql"] for query in captured.captured_queries]
    assert len(statements) == 1 and statements[0].startswith("INSERT")


def test_draft_save_reads_back_as_the_orm_stored_it_and_replaces_the_last(case_assignment):
    first = _stages(case_assignment)[0]
    field = _field(first)
    saved = services.draft_save(assignment=case_assignment, stage=first, answers={field: "35"})
    again = services.draft_save(
        assignment=case_assignment, stage=first, answers={field: "36 – “quoted”\n"}
    )
    stored = Draft.objects.get()
    assert again.pk == saved.pk == stored.pk
    assert stored.answers == {field: "36 – “quoted”\n"} == again.answers
    assert stored.updated_at == again.updated_at
    assert stored.updated_at >= saved.updated_at


def test_a_part_shown_twice_keeps_its_first_view_and_the_case_its_start(case_assignment):
    first = _stages(case_assignment)[0]
    services.stage_view_record(assignment=case_assignment, stage=first)
    shown = StageVisit.objects.get()
    started = type(case_assignment).objects.get(pk=case_assignment.pk).started_at
    assert started is not None and shown.first_viewed_at == started
    assert shown.submitted_at is None

    later = timezone.now() + timedelta(minutes=5)
    inserted = row_writes.insert_unless_present(
        StageVisit,
        {"assignment": case_assignment.pk, "stage": first.pk, "first_viewed_at": later},
        using="default",
    )
    assert inserted is False
    assert StageVisit.objects.get().first_viewed_at == shown.first_viewed_at


def test_recording_a_view_is_one_insert_once_the_case_has_started(case_assignment):
    first, second = _stages(case_assignment)[:2]
    services.stage_view_record(assignment=case_assignment, stage=first)
    case_assignment.refresh_from_db()
    with CaptureQueriesContext(connection) as captured:
        services.stage_view_record(assignment=case_assignment, stage=second)
    statements = [query["sql"] for query in captured.captured_queries]
    assert len(statements) == 1 and statements[0].startswith("INSERT")
    assert StageVisit.objects.filter(stage=second).count() == 1


def test_the_writes_take_part_in_a_surrounding_transaction(case_assignment):
    first = _stages(case_assignment)[0]

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        services.stage_view_record(assignment=case_assignment, stage=first)
        services.draft_save(assignment=case_assignment, stage=first, answers={_field(first): "5"})
        assert StageVisit.objects.exists() and Draft.objects.exists()
        raise Undo
    assert not StageVisit.objects.exists() and not Draft.objects.exists()


def _forecast(assignment, question, **values):
    return Forecast(
        participant_id=assignment.participant_id,
        question=question,
        assignment=assignment,
        **values,
    )


def _stored(forecast) -> dict:
    skip = {"id", "idempotency_key", "submitted_at"}
    row = Forecast.objects.get(pk=forecast.pk)
    return {f.attname: getattr(row, f.attname) for f in Forecast._meta.concrete_fields} | {
        name: None for name in skip
    }


def test_forecasts_inserted_in_one_statement_store_what_bulk_create_stores(case_assignment):
    first = _stages(case_assignment)[0]
    question = selectors.stage_questions(stage=first)[0]
    values = {"probability_pct": 37, "probabilities_pct": [20, 80], "lower": 1.5, "rationale": "é"}
    by_orm = _forecast(case_assignment, question, **values)
    Forecast.objects.bulk_create([by_orm])
    by_hand = [_forecast(case_assignment, question, **values, decision=1, is_update=True)]
    with CaptureQueriesContext(connection) as captured:
        row_writes.insert_all(by_hand, using="default")
    assert len(captured.captured_queries) == 1
    (inserted,) = by_hand
    assert inserted.pk is not None and not inserted._state.adding
    assert Forecast.objects.get(pk=inserted.pk).submitted_at == inserted.submitted_at
    assert _stored(inserted) == _stored(by_orm) | {"decision": 1, "is_update": True}


def test_a_clashing_forecast_fails_the_whole_insert(case_assignment):
    first = _stages(case_assignment)[0]
    questions = selectors.stage_questions(stage=first)
    key = Forecast._meta.get_field("idempotency_key").default()
    rows = [
        _forecast(case_assignment, questions[0], probability_pct=50, idempotency_key=key),
        _forecast(case_assignment, questions[0], probability_pct=60, idempotency_key=key),
    ]
    with pytest.raises(IntegrityError), transaction.atomic():
        row_writes.insert_all(rows, using="default")
    assert not Forecast.objects.exists()


def test_delete_matching_deletes_only_the_matching_rows(case_assignment):
    first, second = _stages(case_assignment)[:2]
    for stage in (first, second):
        services.draft_save(assignment=case_assignment, stage=stage, answers={_field(stage): "9"})
    row_writes.delete_matching(
        Draft, {"assignment": case_assignment.pk, "stage": first.pk}, using="default"
    )
    assert list(Draft.objects.values_list("stage_id", flat=True)) == [second.pk]
