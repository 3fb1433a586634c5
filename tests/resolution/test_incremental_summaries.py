"""Summaries refreshed after submissions (only the participants whose scores changed)
equal a full recompute, and submissions share one refresh."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pytest
from casecast.forecasts.models import Forecast
from casecast.resolution import summaries, sweep
from casecast.resolution.models import (
    ArmSummary,
    ParticipantSummary,
    SummaryPending,
    SummaryState,
)
from casecast.resolution.outcomes import Outcome
from casecast.resolution.scoring_pipeline import score_questions, score_submission
from casecast.studies.models import Participant
from casecast.studies.services import participant_withdraw
from casecast.vignettes.models import Question
from django.db import transaction
from django.utils import timezone

from tests.fixtures_studies import create_participant
from tests.resolution.conftest import Casebook, vignette_build
from tests.resolution.test_pipeline import resolve_quietly

pytestmark = pytest.mark.django_db

PARTICIPANT_FIELDS = [
    f.attname
    for f in ParticipantSummary._meta.concrete_fields
    if f.attname not in ("id", "refreshed_at")
]
ARM_FIELDS = [
    f.attname for f in ArmSummary._meta.concrete_fields if f.attname not in ("id", "refreshed_at")
]


def rows(model, fields) -> dict:
    key = "arm_id" if model is ArmSummary else "participant_id"
    return {row[key]: row for row in model.objects.values(*fields)}


def same(a, b) -> bool:
    if a is None or b is None or isinstance(a, bool) or not isinstance(a, float):
        return a == b
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


def assert_equal_summaries(incremental: dict, full: dict) -> None:
    assert incremental.keys() == full.keys()
    for key, row in full.items():
        differ = {
            f: (incremental[key][f], v) for f, v in row.items() if not same(incremental[key][f], v)
        }
        assert not differ, f"row {key}: incremental vs full {differ}"


def random_answer(kind: str, rng: np.random.Generator) -> dict:
    if kind == Question.Kind.BINARY:
        return {"probability_pct": int(rng.integers(1, 100))}
    if kind in (Question.Kind.MULTIPLE_CHOICE, Question.Kind.ORDERED):
        a = int(rng.integers(0, 101))
        b = int(rng.integers(0, 101 - a))
        return {"probabilities_pct": [a, b, 100 - a - b]}
    low = float(rng.integers(0, 10))
    return {"lower": low, "median": low + float(rng.integers(0, 5)), "upper": low + 10.0}


def random_outcome(kind: str, rng: np.random.Generator) -> Outcome:
    if kind == Question.Kind.BINARY:
        return Outcome(binary=bool(rng.integers(0, 2)))
    if kind in (Question.Kind.MULTIPLE_CHOICE, Question.Kind.ORDERED):
        return Outcome(category=int(rng.integers(0, 3)))
    return Outcome(numeric=float(rng.integers(0, 20)))


@pytest.fixture
def random_study(study):
    """Six vignettes of every kind, 12 participants in both arms answering at random."""

    def build(seed: int) -> tuple[Casebook, list, list[Question], np.random.Generator]:
        rng = np.random.default_rng(seed)
        vignettes = [vignette_build(study, f"v{n}") for n in range(6)]
        phases = list(study.phases.order_by("position"))
        book = Casebook(study=study, vignette=vignettes[0], baseline=phases[0], after=phases[-1])
        people = [
            create_participant(
                study=study, email=f"r{seed}-{i}@example.org", arm=("control", "feedback")[i % 2]
            )
            for i in range(12)
        ]
        questions = list(Question.objects.filter(version__vignette__in=vignettes).order_by("pk"))
        for person in people:
            for q in questions:
                if rng.random() < 0.8:
                    phase = book.baseline if q.version.vignette.key in ("v0", "v1") else book.after
                    book.answer(person, q, phase=phase, **random_answer(q.kind, rng))
        ids: list[int] = []
        for q in questions:
            ids += resolve_quietly(q, random_outcome(q.kind, rng))
        score_questions(question_ids=ids)
        return book, people, questions, rng

    return build


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_refreshing_only_changed_participants_equals_a_full_refresh(random_study, seed):
    book, people, questions, rng = random_study(seed)
    for round_number in range(3):
        if round_number == 1:
            # Someone withdraws and takes their data back: they leave every summary.
            Participant.objects.filter(pk=people[-1].pk).update(
                withdrawn_at=timezone.now(), keep_data=False
            )
        changed = rng.choice(len(people) - 1, size=4, replace=False)
        new_ids = []
        for i in changed.tolist():
            for q in rng.choice(questions, size=5, replace=False).tolist():
                phase = book.baseline if q.version.vignette.key in ("v0", "v1") else book.after
                new_ids.append(
                    book.answer(people[i], q, phase=phase, **random_answer(q.kind, rng)).pk
                )
        score_submission(forecast_ids=new_ids)
        summaries.pending_refresh(study_id=book.study.pk)
        assert not SummaryPending.objects.exists()
        incremental = (rows(ParticipantSummary, PARTICIPANT_FIELDS), rows(ArmSummary, ARM_FIELDS))
        with transaction.atomic():
            summaries.refresh_locked(study_id=book.study.pk)
        full = (rows(ParticipantSummary, PARTICIPANT_FIELDS), rows(ArmSummary, ARM_FIELDS))
        assert_equal_summaries(incremental[0], full[0])
        assert_equal_summaries(incremental[1], full[1])
    # The comparison saw real numbers: both arms have a primary outcome and a comparison.
    assert ArmSummary.objects.exclude(difference=None).count() == 1
    assert ParticipantSummary.objects.exclude(relative_brier=None).count() == len(people) - 1


def test_a_submission_soon_after_a_refresh_waits_and_is_refreshed_with_the_next(random_study):
    book, people, questions, _rng = random_study(4)
    binary = next(q for q in questions if q.kind == Question.Kind.BINARY)
    Forecast.objects.filter(participant=people[0], question=binary).delete()
    with transaction.atomic():
        summaries.refresh_locked(study_id=book.study.pk)
    before = ParticipantSummary.objects.get(participant=people[0]).n_scored
    forecast = book.answer(people[0], binary, probability_pct=50)
    # A full refresh ran just now, so this submission's refresh is put off.
    result = score_submission(forecast_ids=[forecast.pk])
    assert result.refresh_deferred == (book.study.pk,)
    assert ParticipantSummary.objects.get(participant=people[0]).n_scored == before
    assert SummaryPending.objects.filter(participant=people[0]).exists()
    assert summaries.refresh_queue_claim(study_id=book.study.pk) is True
    assert summaries.refresh_queue_claim(study_id=book.study.pk) is False  # one task queued
    summaries.pending_refresh(study_id=book.study.pk)
    assert ParticipantSummary.objects.get(participant=people[0]).n_scored == before + 1
    assert not SummaryPending.objects.exists()
    assert SummaryState.objects.get(study=book.study).refresh_queued is False


def test_a_submission_while_a_refresh_is_queued_leaves_it_to_that_refresh(random_study):
    book, people, questions, _rng = random_study(7)
    binary = next(q for q in questions if q.kind == Question.Kind.BINARY)
    Forecast.objects.filter(participant__in=people[:2], question=binary).delete()
    with transaction.atomic():
        summaries.refresh_locked(study_id=book.study.pk)
    before = [ParticipantSummary.objects.get(participant=p).n_scored for p in people[:2]]
    first = book.answer(people[0], binary, probability_pct=50)
    result = score_submission(forecast_ids=[first.pk])
    assert (result.refresh_deferred, result.refresh_queued) == ((book.study.pk,), ())
    assert summaries.refresh_queue_claim(study_id=book.study.pk) is True  # the task queued

    second = book.answer(people[1], binary, probability_pct=70)
    result = score_submission(forecast_ids=[second.pk])
    # Found the queued refresh under the study lock: nothing more to claim or queue.
    assert (result.refresh_deferred, result.refresh_queued) == ((book.study.pk,), (book.study.pk,))
    assert SummaryPending.objects.filter(participant__in=people[:2]).count() == 2

    summaries.pending_refresh(study_id=book.study.pk)  # the queued refresh runs
    after = [ParticipantSummary.objects.get(participant=p).n_scored for p in people[:2]]
    assert after == [before[0] + 1, before[1] + 1]
    assert SummaryState.objects.get(study=book.study).refresh_queued is False


def test_a_submission_long_after_the_last_refresh_refreshes_at_once(random_study):
    book, people, questions, _rng = random_study(8)
    binary = next(q for q in questions if q.kind == Question.Kind.BINARY)
    Forecast.objects.filter(participant=people[0], question=binary).delete()
    with transaction.atomic():
        summaries.refresh_locked(study_id=book.study.pk)
    # Even with a refresh marked queued (its task lost), a refresh this old is not waited for.
    long_ago = timezone.now() - timedelta(seconds=summaries.COALESCE_SECONDS + 60)
    SummaryState.objects.filter(study=book.study).update(refreshed_at=long_ago, refresh_queued=True)
    before = ParticipantSummary.objects.get(participant=people[0]).n_scored
    forecast = book.answer(people[0], binary, probability_pct=50)
    result = score_submission(forecast_ids=[forecast.pk])
    assert result.refresh_deferred == ()
    assert ParticipantSummary.objects.get(participant=people[0]).n_scored == before + 1
    assert not SummaryPending.objects.exists()
    assert SummaryState.objects.get(study=book.study).refresh_queued is False


def test_the_sweep_refreshes_summaries_whose_queued_refresh_was_lost(random_study):
    book, people, questions, _rng = random_study(5)
    binary = next(q for q in questions if q.kind == Question.Kind.BINARY)
    Forecast.objects.filter(participant=people[0], question=binary).delete()
    with transaction.atomic():
        summaries.refresh_locked(study_id=book.study.pk)
    before = ParticipantSummary.objects.get(participant=people[0]).n_scored
    forecast = book.answer(people[0], binary, probability_pct=50)
    assert score_submission(forecast_ids=[forecast.pk]).refresh_deferred == (book.study.pk,)
    # The refresh was claimed but its task never reached a worker (broker down).
    assert summaries.refresh_queue_claim(study_id=book.study.pk) is True

    assert sweep.summaries_sweep() == [book.study.pk]
    assert ParticipantSummary.objects.get(participant=people[0]).n_scored == before + 1
    assert not SummaryPending.objects.exists()
    assert SummaryState.objects.get(study=book.study).refresh_queued is False
    assert sweep.summaries_sweep() == []  # nothing left: a second sweep does nothing


def test_erasure_takes_the_participant_out_of_the_arm_figures_at_once(
    random_study, django_capture_on_commit_callbacks
):
    book, people, _questions, _rng = random_study(6)
    with transaction.atomic():
        summaries.refresh_locked(study_id=book.study.pk)
    leaving = people[0]
    arm_n_before = ArmSummary.objects.get(arm=leaving.arm).n_participants
    assert ParticipantSummary.objects.filter(participant=leaving).exists()

    with django_capture_on_commit_callbacks(execute=True):
        participant_withdraw(participant=leaving, keep_data=False, by=None)

    assert not ParticipantSummary.objects.filter(participant=leaving).exists()
    assert ArmSummary.objects.get(arm=leaving.arm).n_participants == arm_n_before - 1
    # The same figures as recomputing everything from scratch.
    incremental = (rows(ParticipantSummary, PARTICIPANT_FIELDS), rows(ArmSummary, ARM_FIELDS))
    with transaction.atomic():
        summaries.refresh_locked(study_id=book.study.pk)
    assert_equal_summaries(incremental[0], rows(ParticipantSummary, PARTICIPANT_FIELDS))
    assert_equal_summaries(incremental[1], rows(ArmSummary, ARM_FIELDS))


def test_a_submissions_read_with_its_sql_built_once_equals_the_orm_read(random_study):
    """`bulk.read_columns_by_ids` (PostgreSQL: SQL built once, ids bound as arrays) reads
    the same rows and values as the ORM's query, whatever the number of ids."""
    import dataclasses

    from casecast.resolution.scoring_pipeline import _read

    book, people, questions, rng = random_study(9)
    for q in questions:  # two more answers each: "last forecast counts" must pick one
        phase = book.baseline if q.version.vignette.key in ("v0", "v1") else book.after
        for _ in range(2):
            book.answer(people[0], q, phase=phase, **random_answer(q.kind, rng))
    for n_people, n_questions in ((1, 1), (1, 5), (4, 2), (12, len(questions))):
        others = rng.choice(people[1:], size=n_people - 1, replace=False).tolist()
        who = sorted(p.pk for p in [people[0], *others])
        what = sorted(q.pk for q in rng.choice(questions, size=n_questions, replace=False).tolist())
        forecasts = Forecast.objects.filter(participant_id__in=who, question_id__in=what)
        orm = _read(forecasts)
        cached = _read(forecasts, by_ids={"participant_id": who, "question_id": what})
        assert len(orm) == forecasts.count() > n_questions  # people[0] answered twice
        assert (orm.recency == 2).sum() == n_questions
        by_id = np.argsort(orm.ids), np.argsort(cached.ids)
        for column in dataclasses.fields(orm):
            if column.name == "pcts":
                continue
            np.testing.assert_array_equal(
                getattr(orm, column.name)[by_id[0]], getattr(cached, column.name)[by_id[1]]
            )
        pcts = [{int(c.ids[i]): v for i, v in c.pcts.items()} for c in (orm, cached)]
        assert pcts[0] == pcts[1]
