"""Submitting a part: validation, idempotency, locking, updates, constant queries."""

import uuid

import pytest
from casecast.forecasts import services
from casecast.forecasts.models import Assignment, Draft, Forecast, StageVisit
from casecast.vignettes.models import PhaseVignette, Question, Stage, Vignette, VignetteVersion
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .conftest import answers_for, phase, stages_of, start_case, submit

pytestmark = pytest.mark.django_db


def test_valid_part_writes_one_forecast_per_question(case_assignment):
    first = stages_of(case_assignment)[0]
    result = submit(case_assignment, first)
    assert result.ok and not result.replayed
    saved = Forecast.objects.filter(assignment=case_assignment)
    assert saved.count() == first.questions.count() == 3
    binary = saved.get(question__kind=Question.Kind.BINARY)
    assert binary.probability_pct == 35 and binary.participant == case_assignment.participant
    choice = saved.get(question__kind=Question.Kind.MULTIPLE_CHOICE)
    assert choice.probabilities_pct == [34, 33, 33]
    numeric = saved.get(question__kind=Question.Kind.NUMERIC)
    assert (numeric.lower, numeric.median, numeric.upper) == (4, 10, 20)


def test_invalid_part_saves_nothing_and_names_each_field(case_assignment):
    first = stages_of(case_assignment)[0]
    binary = first.questions.get(kind=Question.Kind.BINARY)
    result = submit(case_assignment, first, **{f"q{binary.pk}": "100"})
    assert not result.ok
    assert [e.field for e in result.errors] == [f"q{binary.pk}"]
    assert "0% and 100% are not allowed" in result.errors[0].message
    assert not Forecast.objects.exists()
    assert not StageVisit.objects.filter(submitted_at__isnull=False).exists()


def test_same_key_twice_writes_one_set_of_forecasts(case_assignment):
    first = stages_of(case_assignment)[0]
    data = answers_for(first.questions.all())
    key = uuid.uuid4()
    one = services.stage_submit(
        assignment=case_assignment, stage=first, answers=data, idempotency_key=key
    )
    two = services.stage_submit(
        assignment=case_assignment, stage=first, answers=data, idempotency_key=key
    )
    assert one.ok and two.ok and two.replayed
    assert Forecast.objects.count() == 3
    assert {f.pk for f in two.forecasts} == {f.pk for f in one.forecasts}


def test_submitted_part_is_locked_against_a_new_key(case_assignment):
    first = stages_of(case_assignment)[0]
    submit(case_assignment, first)
    with pytest.raises(services.StageLocked):
        submit(case_assignment, first)
    with pytest.raises(services.StageLocked):
        services.draft_save(assignment=case_assignment, stage=first, answers={"x": "1"})
    assert Forecast.objects.count() == 3


def test_parts_must_be_submitted_in_order(case_assignment):
    second = stages_of(case_assignment)[1]
    with pytest.raises(services.StageNotReady):
        submit(case_assignment, second)


def test_stage_of_another_case_is_refused(case_assignment, study):
    other = Stage.objects.exclude(version=case_assignment.vignette_version).first()
    if other is None:
        from tests.fixtures_vignettes import make_staged_vignette

        other = make_staged_vignette(study=study, key="elsewhere").current_version().stages.first()
    with pytest.raises(services.StageNotReady):
        submit(case_assignment, other)


def test_last_part_completes_the_case_and_later_question_is_an_update(case_assignment):
    stages = stages_of(case_assignment)
    for stage in stages[:-1]:
        assert not submit(case_assignment, stage).case_complete
    result = submit(case_assignment, stages[-1])
    assert result.case_complete
    case_assignment.refresh_from_db()
    assert case_assignment.completed_at is not None
    later = Forecast.objects.get(question__key="rereferral-3m-later")
    earlier = Forecast.objects.get(question__key="rereferral-3m")
    assert later.is_update and not earlier.is_update
    assert later.submitted_at >= earlier.submitted_at
    # The optional rationale was answered, so the last part has 3 forecasts.
    assert Forecast.objects.filter(question__stage=stages[-1]).count() == 3


def test_optional_question_left_blank_writes_no_forecast(case_assignment):
    stages = stages_of(case_assignment)
    for stage in stages[:-1]:
        submit(case_assignment, stage)
    rationale = stages[-1].questions.get(kind=Question.Kind.RATIONALE)
    assert submit(case_assignment, stages[-1], **{f"q{rationale.pk}": ""}).ok
    assert not Forecast.objects.filter(question=rationale).exists()


def test_submit_clears_the_draft(case_assignment):
    first = stages_of(case_assignment)[0]
    services.draft_save(assignment=case_assignment, stage=first, answers={"q1": "3"})
    submit(case_assignment, first)
    assert not Draft.objects.exists()


def _stage_with_questions(study, count: int) -> tuple[Assignment, Stage]:
    vignette = Vignette.objects.create(study=study, key=f"wide-{count}")
    version = VignetteVersion.objects.create(vignette=vignette, number=1, title=f"Wide {count}")
    stage = Stage.objects.create(version=version, position=1, title="Only part", body="Text")
    kinds = [
        dict(kind="binary"),
        dict(kind="multiple_choice", options=["A", "B", "C"]),
        dict(kind="numeric", numeric_format="quantiles"),
        dict(kind="decision", options=["Yes", "No"]),
        dict(kind="rationale"),
    ]
    for n in range(count):
        Question.objects.create(
            version=version,
            stage=stage,
            key=f"q{n}",
            position=n,
            text=f"Question {n}",
            **kinds[n % len(kinds)],
        )
    phase_row = phase(study, 1)
    PhaseVignette.objects.filter(phase=phase_row).delete()
    PhaseVignette.objects.create(phase=phase_row, vignette=vignette, position=0)
    return vignette, stage


def _submit_queries(study, make_participant, count: int) -> int:
    _stage_with_questions(study, count)
    participant = make_participant(study=study, email=f"wide{count}@example.org", stage="baseline")
    assignment = start_case(participant, study)
    stage = stages_of(assignment)[0]
    data = answers_for(stage.questions.all())
    with CaptureQueriesContext(connection) as captured:
        result = services.stage_submit(
            assignment=assignment, stage=stage, answers=data, idempotency_key=uuid.uuid4()
        )
    assert result.ok and len(result.forecasts) == count
    return len(captured)


def test_query_count_does_not_grow_with_questions(study, make_participant):
    assert _submit_queries(study, make_participant, 2) == _submit_queries(
        study, make_participant, 10
    )
