"""The journey's one-query read of an assignment (`selectors.assignment_for_user`).

It is hand-written SQL (docs/performance.md, "Capacity under load"), so these
tests hold it to what the ORM returns for the same rows: every column of every
model, the counted cases, and `studies.selectors.reconsent_needed`'s answer.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from casecast.forecasts import selectors, services
from casecast.forecasts.models import Assignment, Draft, StageVisit
from casecast.studies import selectors as study_selectors
from casecast.studies import services as study_services
from casecast.studies.models import Participant, Study
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext

from tests.fixtures_studies import build_study, create_participant
from tests.forecasts.conftest import answers_for, phase, plan, stages_of, start_case

pytestmark = pytest.mark.django_db


def _columns(instance: Model | None) -> dict[str, Any] | None:
    if instance is None:
        return None
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def _orm_read(assignment_id: int) -> Assignment:
    """The same read through the ORM: the independent reference."""
    return Assignment.objects.select_related(
        "participant", "participant__arm", "participant__study", "vignette_version", "phase"
    ).get(pk=assignment_id)


def _assert_same(loaded: Assignment, expected: Assignment) -> None:
    assert _columns(loaded) == _columns(expected)
    assert _columns(loaded.participant) == _columns(expected.participant)
    assert _columns(loaded.participant.arm) == _columns(expected.participant.arm)
    assert _columns(loaded.participant.study) == _columns(expected.participant.study)
    assert _columns(loaded.vignette_version) == _columns(expected.vignette_version)
    assert _columns(loaded.phase) == _columns(expected.phase)


def test_it_loads_every_column_the_orm_would(case_assignment: Assignment) -> None:
    stage = stages_of(case_assignment)[0]
    services.stage_view_record(assignment=case_assignment, stage=stage)  # sets started_at
    participant = case_assignment.participant
    loaded = selectors.assignment_for_user(user=participant.user, assignment_id=case_assignment.pk)
    assert loaded is not None
    expected = _orm_read(case_assignment.pk)
    assert expected.started_at is not None  # a datetime column that is set
    _assert_same(loaded, expected)
    # Related objects come loaded: reading them costs no query.
    with CaptureQueriesContext(connection) as captured:
        assert loaded.participant.study.slug == expected.participant.study.slug
        assert loaded.vignette_version.title == expected.vignette_version.title
        assert loaded.phase.position == expected.phase.position
    assert captured.captured_queries == []


def test_a_participant_with_an_arm_gets_it_and_one_without_gets_none(
    journey_study: Study, participant_ready: Participant
) -> None:
    with_arm = create_participant(
        study=journey_study, email="armed@example.org", stage="baseline", arm="control"
    )
    for participant in (participant_ready, with_arm):
        assignment = start_case(participant, journey_study)
        loaded = selectors.assignment_for_user(user=participant.user, assignment_id=assignment.pk)
        assert loaded is not None
        _assert_same(loaded, _orm_read(assignment.pk))
        assert (loaded.participant.arm is None) == (participant.arm_id is None)


def test_case_count_is_the_number_of_cases_in_the_phase(
    journey_study: Study, participant_ready: Participant, more_vignettes: list[Any]
) -> None:
    plan(phase(journey_study, 1), *more_vignettes)
    assignment = start_case(participant_ready, journey_study)
    loaded = selectors.assignment_for_user(user=participant_ready.user, assignment_id=assignment.pk)
    assert loaded is not None
    # One staged vignette plus three more, all in phase 1.
    assert loaded.case_count == 4
    assert (
        loaded.case_count
        == Assignment.objects.filter(participant=participant_ready, phase=assignment.phase).count()
    )


def test_nobody_else_can_read_it(case_assignment: Assignment, journey_study: Study) -> None:
    other = create_participant(study=journey_study, email="other@example.org", stage="baseline")
    assert selectors.assignment_for_user(user=other.user, assignment_id=case_assignment.pk) is None
    assert (
        selectors.assignment_for_user(user=AnonymousUser(), assignment_id=case_assignment.pk)
        is None
    )
    owner = case_assignment.participant.user
    assert selectors.assignment_for_user(user=owner, assignment_id=case_assignment.pk + 999) is None


def _reconsent_agrees(assignment: Assignment) -> bool:
    participant = Participant.objects.get(pk=assignment.participant_id)
    loaded = selectors.assignment_for_user(user=participant.user, assignment_id=assignment.pk)
    assert loaded is not None
    expected = study_selectors.reconsent_needed(participant=participant) is not None
    assert loaded.reconsent_due == expected
    return expected


def test_reconsent_due_agrees_with_reconsent_needed(
    case_assignment: Assignment, journey_study: Study, researcher: Any
) -> None:
    # Agreed to the newest version: nothing to agree to.
    assert _reconsent_agrees(case_assignment) is False
    # A new version that does not ask everyone again.
    study_services.consent_save(
        study=journey_study, text="Typo fixed", by=researcher, require_reconsent=False
    )
    assert _reconsent_agrees(case_assignment) is False
    # One that does.
    study_services.consent_save(
        study=journey_study, text="New information", by=researcher, require_reconsent=True
    )
    assert _reconsent_agrees(case_assignment) is True
    # Agreeing to it clears it.
    latest = journey_study.consent_versions.order_by("-number").first()
    participant = Participant.objects.get(pk=case_assignment.participant_id)
    study_services.participant_consent(participant=participant, consent_version=latest)
    assert _reconsent_agrees(case_assignment) is False


def test_reconsent_due_ignores_another_studys_versions(
    case_assignment: Assignment, researcher: Any
) -> None:
    other = build_study(by=researcher, title="Another study")
    study_services.consent_save(
        study=other, text="Other study's news", by=researcher, require_reconsent=True
    )
    assert _reconsent_agrees(case_assignment) is False


def test_a_second_view_of_a_part_records_nothing(case_assignment: Assignment, participant_client):
    stage = stages_of(case_assignment)[0]
    url = f"/cases/{case_assignment.pk}/part/1/"
    assert participant_client.get(url).status_code == 200
    first = StageVisit.objects.get(assignment=case_assignment, stage=stage).first_viewed_at
    with CaptureQueriesContext(connection) as captured:
        assert participant_client.get(url).status_code == 200
    writes = [
        q["sql"] for q in captured.captured_queries if q["sql"].startswith(("INSERT", "UPDATE"))
    ]
    assert not [sql for sql in writes if "stagevisit" in sql or "assignment" in sql]
    assert StageVisit.objects.get(assignment=case_assignment, stage=stage).first_viewed_at == first


def test_a_draft_for_a_submitted_part_is_refused_with_or_without_progress(
    case_assignment: Assignment,
) -> None:
    stage = stages_of(case_assignment)[0]
    answers = answers_for(stage.questions.all())
    services.stage_submit(
        assignment=case_assignment, stage=stage, answers=answers, idempotency_key=uuid.uuid4()
    )
    progress = selectors.case_progress(assignment=case_assignment)
    for given in (progress, None):
        with pytest.raises(services.StageLocked):
            services.draft_save(
                assignment=case_assignment, stage=stage, answers=answers, progress=given
            )


def test_case_progress_reads_visits_and_drafts_as_the_orm_does(
    case_assignment: Assignment,
) -> None:
    """Part 1 submitted, part 2 shown with typing kept, part 3 not reached."""
    first, second, _third = stages_of(case_assignment)
    services.stage_view_record(assignment=case_assignment, stage=first)
    services.stage_submit(
        assignment=case_assignment,
        stage=first,
        answers=answers_for(first.questions.all()),
        idempotency_key=uuid.uuid4(),
    )
    services.stage_view_record(assignment=case_assignment, stage=second)
    missed = second.questions.get(key="missed-days")
    typed = {f"q{missed.pk}-lower": "half an ánswer, 'quoted' & \"more\""}
    services.draft_save(assignment=case_assignment, stage=second, answers=typed)

    progress = selectors.case_progress(assignment=case_assignment)

    visits = StageVisit.objects.filter(assignment=case_assignment)
    assert progress.viewed_stage_ids == {v.stage_id for v in visits} == {first.pk, second.pk}
    assert progress.submitted_stage_ids == {
        v.stage_id for v in visits if v.submitted_at is not None
    }
    drafts = Draft.objects.filter(assignment=case_assignment)
    assert progress.draft_answers == {d.stage_id: d.answers for d in drafts} == {second.pk: typed}
    assert progress.current_stage == second


def test_the_stage_page_shows_the_draft_read_with_the_progress(
    case_assignment: Assignment, participant_client
) -> None:
    stage = stages_of(case_assignment)[0]
    binary = stage.questions.get(kind="binary")
    services.draft_save(assignment=case_assignment, stage=stage, answers={f"q{binary.pk}": "42"})
    with CaptureQueriesContext(connection) as captured:
        html = participant_client.get(f"/cases/{case_assignment.pk}/part/1/").content.decode()
    assert f'id="q{binary.pk}" name="q{binary.pk}"' in html
    assert 'autocomplete="off" value="42"' in html
    draft_reads = [q["sql"] for q in captured.captured_queries if "forecasts_draft" in q["sql"]]
    assert len(draft_reads) == 1 and "forecasts_stagevisit" in draft_reads[0]


def test_earlier_answers_read_by_hand_are_the_orms_with_their_questions(
    case_assignment: Assignment,
) -> None:
    """Part 3 asks again what part 1 asked: the forecasts and their questions, read by
    hand-written SQL with the questions from the structure cache, equal the ORM's join."""
    first, second, third = stages_of(case_assignment)
    for stage in (first, second):
        services.stage_submit(
            assignment=case_assignment,
            stage=stage,
            answers=answers_for(stage.questions.all()),
            idempotency_key=uuid.uuid4(),
        )
    version = case_assignment.vignette_version
    questions = selectors.stage_questions(stage=third, version=version)
    assert any(q.earlier_id for q in questions)
    expected = selectors.earlier_forecasts(assignment=case_assignment, questions=questions)
    selectors.earlier_forecasts(assignment=case_assignment, questions=questions, version=version)
    with CaptureQueriesContext(connection) as captured:  # the structure cache is warm now
        loaded = selectors.earlier_forecasts(
            assignment=case_assignment, questions=questions, version=version
        )
    assert len(captured.captured_queries) == 1
    assert "vignettes_question" not in captured.captured_queries[0]["sql"]
    assert loaded.keys() == expected.keys() and expected
    for later_id, forecast in expected.items():
        assert _columns(loaded[later_id]) == _columns(forecast)
        assert _columns(loaded[later_id].question) == _columns(forecast.question)


def test_scorable_forecasts_read_by_hand_are_the_orms(case_assignment: Assignment) -> None:
    """Which of a submission's forecasts have an outcome already: each outcome field set
    alone, none set, and an annulled question with an outcome."""
    from casecast.forecasts.models import Forecast
    from casecast.vignettes.models import Question

    for stage in stages_of(case_assignment):
        services.stage_submit(
            assignment=case_assignment,
            stage=stage,
            answers=answers_for(stage.questions.all()),
            idempotency_key=uuid.uuid4(),
        )
    forecasts = list(Forecast.objects.filter(assignment=case_assignment).order_by("pk"))
    questions = [f.question_id for f in forecasts]
    assert len(set(questions)) >= 5
    Question.objects.filter(pk=questions[0]).update(outcome_binary=True)
    Question.objects.filter(pk=questions[1]).update(outcome_category=0)
    Question.objects.filter(pk=questions[2]).update(outcome_numeric=3.5)
    Question.objects.filter(pk=questions[3]).update(outcome_binary=False, annulled=True)
    ids = [f.pk for f in forecasts]
    expected = list(
        Forecast.objects.filter(pk__in=ids, question__annulled=False)
        .exclude(
            question__outcome_binary__isnull=True,
            question__outcome_category__isnull=True,
            question__outcome_numeric__isnull=True,
        )
        .values_list("pk", flat=True)
    )
    assert sorted(selectors.forecasts_scorable(forecast_ids=ids)) == sorted(expected)
    on = {f.pk: f.question_id for f in forecasts}
    assert {on[pk] for pk in expected} >= set(questions[:3])  # each outcome field alone
    assert questions[3] not in {on[pk] for pk in expected}  # annulled
    assert len(expected) < len(ids)  # some questions have no outcome yet
    assert selectors.forecasts_scorable(forecast_ids=[]) == []
