"""participants.csv carries each participant's baseline and primary Brier score (yes/no
questions, 0-1): counted forecasts before randomisation, and from it on. Expected values are
worked out by hand (Brier = (p - y)^2)."""

from __future__ import annotations

import csv
import io

import pytest
from casecast.resolution import exports
from casecast.resolution.models import ForecastScore, ParticipantSummary
from casecast.resolution.outcomes import Outcome
from casecast.resolution.scoring_pipeline import score_questions
from casecast.studies.models import BaselineQuestion, Participant
from django.utils import timezone

from tests.resolution.test_pipeline import resolve_quietly

pytestmark = pytest.mark.django_db


def _participants(study) -> dict[str, dict[str, str]]:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(exports.participant_export_rows(study=study))
    return {row["pseudonym"]: row for row in csv.DictReader(io.StringIO(buffer.getvalue()))}


def _pseudonym(study, participant) -> str:
    return exports.pseudonym(key=study.pseudonym_key, kind="participant", pk=participant.pk)


def test_baseline_and_primary_brier_are_the_means_before_and_after_randomisation(casebook, people):
    ann, ben, cat = people["ann"], people["ben"], people["cat"]
    q, plan = casebook.q("rereferral"), casebook.q("plan")
    casebook.answer(ann, q, phase=casebook.baseline, probability_pct=70)  # (1-0.7)^2 = 0.09
    casebook.answer(ann, q, probability_pct=90)  # replaced by the update: not counted
    casebook.answer(ann, q, probability_pct=40, is_update=True)  # (1-0.4)^2 = 0.36
    casebook.answer(ann, plan, probabilities_pct=[20, 30, 50])  # not yes/no: not in these
    casebook.answer(cat, q, probability_pct=99)  # (1-0.99)^2 = 0.0001
    casebook.answer(cat, q, phase=casebook.baseline, probability_pct=50)  # 0.25
    casebook.answer(cat, q, retest=True, probability_pct=1)  # a retest: left out
    score_questions(question_ids=resolve_quietly(q, Outcome(binary=True)))
    score_questions(question_ids=resolve_quietly(plan, Outcome(category=2)))
    # The premise: the baseline phase comes before randomisation, the other after.
    flags = set(
        ForecastScore.objects.filter(participant=ann, probability__isnull=False).values_list(
            "after_randomisation", flat=True
        )
    )
    assert flags == {True, False}

    rows = _participants(casebook.study)

    a, b, c = (rows[_pseudonym(casebook.study, p)] for p in (ann, ben, cat))
    assert (a["baseline_brier"], a["primary_brier"]) == ("0.09", "0.36")
    assert (c["baseline_brier"], c["primary_brier"]) == ("0.25", "0.0001")
    assert (b["baseline_brier"], b["primary_brier"]) == ("", "")  # no forecasts
    # The same means the summaries hold.
    summary = ParticipantSummary.objects.get(participant=ann)
    assert summary.baseline_brier == pytest.approx(0.09)
    assert summary.primary_brier == pytest.approx(0.36)


def test_no_brier_for_a_participant_whose_data_may_not_be_analysed(casebook, people):
    ann = people["ann"]
    q = casebook.q("rereferral")
    casebook.answer(ann, q, probability_pct=70)
    score_questions(question_ids=resolve_quietly(q, Outcome(binary=True)))
    Participant.objects.filter(pk=ann.pk).update(withdrawn_at=timezone.now(), keep_data=False)

    row = _participants(casebook.study)[_pseudonym(casebook.study, ann)]

    assert (row["analysed"], row["baseline_brier"], row["primary_brier"]) == ("0", "", "")


def test_a_baseline_question_named_brier_does_not_clash(casebook):
    BaselineQuestion.objects.create(
        study=casebook.study, key="brier", label="Brier?", kind="number", position=99
    )
    names = [c.name for c in exports.FILES[2].columns(casebook.study)]
    assert len(names) == len(set(names))
    assert "baseline_brier" in names and "baseline_brier_2" in names
