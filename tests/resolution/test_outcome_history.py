"""The outcome history: every record, correction, annulment and reinstatement is kept, in
order, and exported as `outcomes.csv` one row per change."""

from __future__ import annotations

import csv
import hashlib
import hmac
import importlib
import io
import textwrap
from datetime import date

import pytest
from casecast.resolution import services
from casecast.resolution.csv_import import outcomes_import_csv
from casecast.resolution.exports.outcomes import outcome_export_rows
from casecast.resolution.outcomes import Outcome
from casecast.vignettes.bank import bank_import
from casecast.vignettes.models import OutcomeRecord, Question
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tests.fixtures_studies import build_study

pytestmark = pytest.mark.django_db


def _csv(study) -> list[dict[str, str]]:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(outcome_export_rows(study=study))
    return list(csv.DictReader(io.StringIO(buffer.getvalue())))


def _staff_pseudonym(study, user) -> str:
    # Computed here from the documented rule, not by the export's own helper.
    message = f"staff:{user.pk}".encode()
    return hmac.new(study.pseudonym_key.encode(), message, hashlib.sha256).hexdigest()


def _resolve_correct_annul_reinstate(casebook, researcher) -> None:
    q = casebook.q("plan")
    services.question_resolve(
        question=q,
        outcome=Outcome(category=2),
        known_at=date(2024, 1, 2),
        source="Case file",
        by=researcher,
    )
    services.question_correct(
        question=q,
        outcome=Outcome(category=0),
        known_at=date(2024, 1, 3),
        source="Court record",
        by=researcher,
        reason="Wrong child's file",
    )
    services.question_annul(question=q, by=researcher, reason="Ambiguous wording")
    services.question_reinstate(question=q, by=researcher, reason="Clarified")


def test_every_change_is_kept_in_order_with_its_value_who_and_why(casebook, researcher):
    _resolve_correct_annul_reinstate(casebook, researcher)

    records = list(OutcomeRecord.objects.filter(study=casebook.study).order_by("at", "pk"))
    assert [r.kind for r in records] == ["recorded", "corrected", "annulled", "reinstated"]
    assert [r.outcome_category for r in records] == [2, 0, None, None]
    assert [r.outcome_source for r in records] == ["Case file", "Court record", "", ""]
    assert [r.reason for r in records] == [
        "",
        "Wrong child's file",
        "Ambiguous wording",
        "Clarified",
    ]
    assert {r.by_id for r in records} == {researcher.pk}
    assert {r.question_key for r in records} == {"plan"}
    # The question keeps only the current state; the history keeps the earlier value.
    assert casebook.q("plan", 2).outcome_category == 0


def test_outcomes_file_has_one_row_per_change_with_pseudonymised_staff(casebook, researcher):
    _resolve_correct_annul_reinstate(casebook, researcher)

    rows = _csv(casebook.study)

    assert [r["entry"] for r in rows] == ["1", "2", "3", "4"]
    assert [r["change"] for r in rows] == ["recorded", "corrected", "annulled", "reinstated"]
    # Options are None / Child in need / Child protection: option 3, then option 1.
    assert [r["outcome"] for r in rows] == ["3", "1", "", ""]
    assert [r["outcome_label"] for r in rows] == ["Child protection", "None", "", ""]
    assert [r["outcome_known_at"] for r in rows] == ["2024-01-02", "2024-01-03", "", ""]
    assert {r["vignette"] for r in rows} == {"referral"}
    assert {r["question_id"] for r in rows} == {str(casebook.q("plan").pk)}
    assert {r["changed_by"] for r in rows} == {_staff_pseudonym(casebook.study, researcher)}
    text = "".join(",".join(row) for row in outcome_export_rows(study=casebook.study))
    assert researcher.email not in text and "Rosa" not in text


def test_recording_the_same_outcome_again_adds_no_entry(casebook, researcher):
    for _ in range(2):
        services.question_resolve(
            question=casebook.q("rereferral"),
            outcome=Outcome(binary=True),
            known_at=date(2024, 1, 2),
            source="Case file",
            by=researcher,
        )
    assert OutcomeRecord.objects.filter(study=casebook.study).count() == 1


def test_a_refused_change_adds_no_entry(casebook, researcher):
    services.question_annul(question=casebook.q("rereferral"), by=researcher, reason="Unclear")
    with pytest.raises(ValidationError):
        services.question_resolve(
            question=casebook.q("rereferral"),
            outcome=Outcome(binary=True),
            known_at=date(2024, 1, 2),
            source="Case file",
            by=researcher,
        )
    assert list(OutcomeRecord.objects.values_list("kind", flat=True)) == ["annulled"]


def test_csv_import_adds_one_entry_per_question_recorded_or_corrected(casebook, researcher):
    header = "vignette,question,outcome,known_at,source,reason\n"
    outcomes_import_csv(
        study=casebook.study,
        csv_text=header + "referral,rereferral,Yes,2024-02-01,LA case file,\n",
        by=researcher,
    )
    outcomes_import_csv(
        study=casebook.study,
        csv_text=header + "referral,rereferral,No,2024-02-02,LA case file,Typo\n",
        by=researcher,
    )
    records = OutcomeRecord.objects.filter(study=casebook.study).order_by("at", "pk")
    assert [(r.kind, r.outcome_binary, r.reason) for r in records] == [
        ("recorded", True, "Imported from CSV"),
        ("corrected", False, "Typo"),
    ]


def test_a_bank_file_recording_an_outcome_adds_an_entry(db, researcher):
    study = build_study(by=researcher, title="Bank study")
    text = textwrap.dedent("""\
        vignettes:
          - key: case-a
            title: Case A
            stages:
              - title: Referral
                body: Some text.
                questions:
                  - key: q
                    kind: binary
                    text: Will it?
                    outcome: {value: true, known_at: 2024-03-01, source: Court}
        """)
    report = bank_import(study=study, text=text, filename="bank.yaml", by=researcher)
    assert report.ok, report.problems
    # Importing the same file again records nothing new.
    bank_import(study=study, text=text, filename="bank.yaml", by=researcher)
    records = list(OutcomeRecord.objects.filter(study=study))
    assert [(r.kind, r.outcome_binary, r.outcome_source, r.by_id) for r in records] == [
        ("recorded", True, "Court", researcher.pk)
    ]
    assert str(records[0].outcome_known_at) == "2024-03-01"


def test_the_history_is_append_only(casebook, researcher):
    _resolve_correct_annul_reinstate(casebook, researcher)
    record = OutcomeRecord.objects.first()
    record.reason = "rewritten"
    with pytest.raises(ValueError, match="append-only"):
        record.save()
    with pytest.raises(ValueError, match="append-only"):
        record.delete()
    assert OutcomeRecord.objects.filter(reason="rewritten").count() == 0


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "annulled", "reason": "x", "outcome_binary": True},  # annulment with a value
        {"kind": "recorded"},  # a record without a value
        {"kind": "recorded", "outcome_binary": True, "outcome_numeric": 3.0},  # two values
        {"kind": "corrected", "outcome_binary": True},  # a correction without a reason
        {"kind": "guessed", "outcome_binary": True},  # unknown kind
    ],
)
def test_the_database_refuses_an_entry_that_does_not_fit_its_kind(casebook, fields):
    q = casebook.q("rereferral")
    with pytest.raises(IntegrityError), transaction.atomic():
        OutcomeRecord.objects.create(
            study=casebook.study,
            vignette=casebook.vignette,
            question=q,
            question_key=q.key,
            **fields,
        )


def test_the_migration_backfills_the_outcomes_that_stand(casebook, researcher):
    """Outcomes set before the history existed (written straight to the questions) start
    the history as `existing` entries, one per question key, on its newest version."""
    Question.objects.filter(version__vignette=casebook.vignette, key="visits").update(
        outcome_numeric=12.5, outcome_known_at=date(2024, 5, 1), outcome_source="File"
    )
    Question.objects.filter(version__vignette=casebook.vignette, key="days").update(annulled=True)
    migration = importlib.import_module("casecast.vignettes.migrations.0004_outcome_history")

    migration.backfill(apps, None)

    records = OutcomeRecord.objects.filter(study=casebook.study).order_by("question_key", "pk")
    assert [(r.question_key, r.kind, r.outcome_numeric, r.question_id) for r in records] == [
        ("days", "annulled", None, casebook.q("days", 2).pk),
        ("visits", "existing", 12.5, casebook.q("visits", 2).pk),
    ]


@pytest.mark.postgres
def test_postgresql_refuses_bulk_and_raw_updates_of_the_history(casebook, researcher):
    from django.db import connection
    from django.db.utils import DatabaseError

    if connection.vendor != "postgresql":
        pytest.skip("the no-update trigger exists on PostgreSQL only (CI runs this on it)")
    _resolve_correct_annul_reinstate(casebook, researcher)
    record = OutcomeRecord.objects.first()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        OutcomeRecord.objects.filter(pk=record.pk).update(reason="tampered")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE vignettes_outcomerecord SET reason = 'x'")
    assert not OutcomeRecord.objects.filter(reason__in=["tampered", "x"]).exists()
