"""Every outcome change is logged with who, when and why."""

from __future__ import annotations

from datetime import date

import pytest
from casecast.audit.models import AuditEvent
from casecast.resolution import services
from casecast.resolution.outcomes import Outcome
from casecast.resolution.selectors import question_history

pytestmark = pytest.mark.django_db


def test_resolve_correct_annul_and_reinstate_are_each_audited(casebook, researcher):
    q = casebook.q("rereferral")
    services.question_resolve(
        question=q,
        outcome=Outcome(binary=True),
        known_at=date(2024, 1, 2),
        source="Case file",
        by=researcher,
    )
    services.question_correct(
        question=q,
        outcome=Outcome(binary=False),
        known_at=date(2024, 1, 3),
        source="Court record",
        by=researcher,
        reason="Wrong child's file",
    )
    services.question_annul(question=q, by=researcher, reason="Question was ambiguous")
    services.question_reinstate(question=q, by=researcher, reason="Clarified with the LA")
    events = list(
        AuditEvent.objects.filter(
            study_id=casebook.study.pk, action__startswith="question."
        ).order_by("id")
    )
    assert [e.action for e in events] == [
        "question.resolve",
        "question.correct",
        "question.annul",
        "question.reinstate",
    ]
    correct = events[1]
    assert correct.actor == researcher and correct.reason == "Wrong child's file"
    assert correct.data["before"]["outcome"]["binary"] is True
    assert correct.data["after"]["outcome"]["binary"] is False
    assert correct.data["after"]["source"] == "Court record"
    assert len(correct.data["question_ids"]) == 2  # both versions of the question
    assert list(question_history(question=casebook.q("rereferral", 2))) == events[::-1]


def test_recording_the_same_outcome_again_changes_and_logs_nothing(casebook, researcher):
    q = casebook.q("rereferral")
    for _ in range(2):
        services.question_resolve(
            question=q,
            outcome=Outcome(binary=True),
            known_at=date(2024, 1, 2),
            source="Case file",
            by=researcher,
        )
    assert AuditEvent.objects.filter(action="question.resolve").count() == 1


def test_an_outcome_must_fit_the_question(casebook, researcher):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.question_resolve(
            question=casebook.q("plan"),
            outcome=Outcome(category=7),
            known_at=date(2024, 1, 2),
            source="Case file",
            by=researcher,
        )
    with pytest.raises(ValidationError):
        services.question_resolve(
            question=casebook.q("rereferral"),
            outcome=Outcome(numeric=1),
            known_at=date(2024, 1, 2),
            source="Case file",
            by=researcher,
        )
