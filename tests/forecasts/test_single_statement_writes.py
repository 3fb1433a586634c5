"""The journey's two hottest writes are one statement each (core/row_writes.py).

Showing a part records its first view and every autosave upserts a draft; both used
`bulk_create`, which wraps one row in BEGIN ... COMMIT. These tests hold the
hand-written statements to what the ORM stored: the same values read back, conflicts
handled as before, one statement and no transaction of their own, and still part of a
transaction that surrounds them.
"""

from datetime import timedelta

import pytest
from casecast.core import row_writes
from casecast.forecasts import selectors, services
from casecast.forecasts.models import Draft, StageVisit
from django.db import connection, transaction
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
