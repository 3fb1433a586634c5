"""The arrays the report analyses equal an independent computation from the raw rows."""

from __future__ import annotations

import numpy as np
import pytest
from casecast.feedback.models import FeedbackSeen
from casecast.feedback.services import feedback_seen_record
from casecast.forecasts.models import Forecast
from casecast.reports.selectors import per_protocol_participant_ids, report_inputs
from casecast.resolution.outcomes import Outcome
from casecast.resolution.scoring_pipeline import score_questions
from casecast.studies.analysis_plan import DEFAULTS
from casecast.studies.models import Participant
from casecast.training.models import TrainingAttempt
from casecast.training.services import training_start
from casecast.vignettes import kinds

from tests.resolution.test_pipeline import resolve_quietly


def _raw_means(study, phases, *, first=False):
    """Participant id -> mean Brier over their chosen forecast per question in `phases`,
    from Forecast rows and question outcomes (not from stored scores)."""
    rows = (
        Forecast.objects.filter(
            participant__study=study,
            participant__arm__isnull=False,
            assignment__is_retest=False,
            assignment__phase_id__in=phases,
            question__kind__in=kinds.values_scored_by(kinds.Scoring.EVENT),
            question__annulled=False,
            question__outcome_binary__isnull=False,
            probability_pct__isnull=False,
        )
        .order_by("submitted_at", "pk")
        .values_list(
            "participant_id",
            "assignment__phase_id",
            "question__version__vignette_id",
            "question__key",
            "probability_pct",
            "question__outcome_binary",
        )
    )
    chosen = {}
    for participant, phase, vignette, key, pct, outcome in rows:
        slot = (participant, phase, vignette, key)
        if first and slot in chosen:
            continue
        chosen[slot] = (pct / 100 - (1.0 if outcome else 0.0)) ** 2
    by_participant: dict[int, list[float]] = {}
    for (participant, *_), value in chosen.items():
        by_participant.setdefault(participant, []).append(value)
    return {p: float(np.mean(v)) for p, v in by_participant.items()}


@pytest.mark.parametrize("which", ["last", "first"])
def test_primary_and_baseline_brier_equal_a_computation_from_the_forecasts(demo, which):
    plan = {**DEFAULTS, "primary_forecast": which}
    inputs = report_inputs(study=demo, plan=plan)
    phases = list(demo.phases.order_by("position"))
    randomised = next(p for p in phases if p.randomise_before)
    before = [p.pk for p in phases if p.position < randomised.position]
    primary = _raw_means(demo, [randomised.pk], first=which == "first")
    baseline = _raw_means(demo, before, first=which == "first")
    outcome = dict(zip(inputs.participant.tolist(), inputs.outcome.tolist(), strict=True))
    assert primary, "the demo has primary forecasts"
    for participant, value in outcome.items():
        if participant in primary:
            assert value == pytest.approx(primary[participant], abs=1e-12)
        else:
            assert np.isnan(value)
    got = dict(zip(inputs.participant.tolist(), inputs.baseline_brier.tolist(), strict=True))
    for participant, value in baseline.items():
        assert got[participant] == pytest.approx(value, abs=1e-12)
    randomised_ids = set(
        Participant.objects.filter(study=demo, arm__isnull=False).values_list("pk", flat=True)
    )
    assert set(outcome) == randomised_ids
    arms = dict(Participant.objects.filter(study=demo).values_list("pk", "arm_id"))
    assert [arms[p] for p in inputs.participant.tolist()] == inputs.arm.tolist()


def test_last_or_first_forecast_by_hand(casebook, people):
    """ann forecasts 30% then 80% on a question that happened: the last gives
    (0.8 - 1)^2 = 0.04, the first (0.3 - 1)^2 = 0.49. A retest forecast never counts."""
    q = casebook.q("rereferral")
    casebook.answer(people["ann"], q, probability_pct=30)
    casebook.answer(people["ann"], q, probability_pct=80)
    casebook.answer(people["ann"], q, retest=True, probability_pct=1)
    casebook.answer(people["cat"], casebook.q("rereferral", version=2), probability_pct=60)
    score_questions(question_ids=resolve_quietly(q, Outcome(binary=True)))
    last = report_inputs(study=casebook.study, plan=dict(DEFAULTS))
    first = report_inputs(study=casebook.study, plan={**DEFAULTS, "primary_forecast": "first"})
    ids = last.participant.tolist()
    ann, cat = ids.index(people["ann"].pk), ids.index(people["cat"].pk)
    assert last.brier.shape[1] == 1, "two versions of one question share a column"
    assert last.outcome[ann] == pytest.approx(0.04)
    assert first.outcome[ann] == pytest.approx(0.49)
    assert last.outcome[cat] == pytest.approx(0.16)
    assert np.isnan(last.outcome[ids.index(people["ben"].pk)])
    assert last.question_outcome.tolist() == [1.0]


def test_per_protocol_needs_the_arms_training_completed_and_its_feedback_seen(
    study, make_participant
):
    arm = study.arms.get(key="feedback")
    arm.training_module = "calibration"
    arm.save()
    trained = make_participant(study=study, email="t@example.org", arm="feedback")
    untrained = make_participant(study=study, email="u@example.org", arm="feedback")
    started = make_participant(study=study, email="s@example.org", arm="feedback")
    unseen = make_participant(study=study, email="n@example.org", arm="feedback")
    control = make_participant(study=study, email="c@example.org", arm="control")
    for person in (trained, unseen):
        attempt = training_start(participant=person)
        TrainingAttempt.objects.filter(pk=attempt.pk).update(completed_at=attempt.last_seen_at)
    training_start(participant=started)
    for person in (trained, untrained):
        feedback_seen_record(participant=person, page=FeedbackSeen.Page.HOME)
    ids = per_protocol_participant_ids(study=study)
    assert trained.pk in ids and control.pk in ids  # the control arm has no feedback to see
    assert untrained.pk not in ids and started.pk not in ids
    assert unseen.pk not in ids  # trained, but never opened the arm's feedback


def test_withdrawn_participants_who_took_their_data_back_are_not_analysed(demo):
    leaver = Participant.objects.filter(study=demo, arm__isnull=False).order_by("pk").first()
    Participant.objects.filter(pk=leaver.pk).update(
        withdrawn_at=leaver.enrolled_at, keep_data=False
    )
    inputs = report_inputs(study=demo, plan=dict(DEFAULTS))
    assert leaver.pk not in inputs.participant.tolist()
