"""Demo scores, the rescore command, and when participants may learn outcomes."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from casecast.resolution.models import ArmSummary, ForecastScore, ParticipantSummary, RescoreJob
from casecast.resolution.outcomes import Outcome
from casecast.resolution.selectors import outcome_visible
from casecast.studies.models import Study
from django.core.management import call_command
from django.utils import timezone

from tests.resolution.test_pipeline import resolve_quietly

pytestmark = pytest.mark.django_db


def test_seed_demo_scores_adds_scored_participants_once(researcher):
    from casecast.resolution.demo import DEMO_PARTICIPANTS, seed_demo_scores
    from casecast.studies.demo import seed_demo_study
    from casecast.vignettes.demo import seed_demo_bank

    study = seed_demo_study(researcher=researcher)
    seed_demo_bank(study=study)
    study.refresh_from_db()
    seed_demo_scores(study=study)
    scored = ForecastScore.objects.filter(study=study).count()
    assert scored > 0
    assert ParticipantSummary.objects.filter(study=study).count() >= DEMO_PARTICIPANTS
    assert ArmSummary.objects.filter(study=study, mean_brier__isnull=False).exists()
    seed_demo_scores(study=study)
    assert ForecastScore.objects.filter(study=study).count() == scored


@pytest.fixture
def demo_study(researcher):
    from casecast.resolution.demo import seed_demo_scores
    from casecast.studies.demo import seed_demo_study
    from casecast.vignettes.demo import seed_demo_bank

    study = seed_demo_study(researcher=researcher)
    seed_demo_bank(study=study)
    study.refresh_from_db()
    seed_demo_scores(study=study)
    return study


def test_the_demo_leaves_one_question_for_the_researcher_to_resolve(demo_study, researcher):
    from casecast.resolution import selectors, services
    from casecast.resolution.demo import AWAITING_OUTCOME
    from casecast.vignettes.models import PhaseVignette, Question

    forecast_kinds = ["binary", "multiple_choice", "ordered", "numeric"]
    questions = Question.objects.filter(
        version__vignette__study=demo_study, kind__in=forecast_kinds
    )
    waiting = [(q.version.vignette.key, q.key) for q in questions if not q.has_outcome]
    assert waiting == [AWAITING_OUTCOME]
    question = selectors.first_unresolved_question(study=demo_study)
    assert (question.version.vignette.key, question.key) == AWAITING_OUTCOME
    # Nothing else in the demo uses it: in no phase, and nobody answered it.
    assert not PhaseVignette.objects.filter(vignette=question.version.vignette).exists()
    assert not question.forecasts.exists()
    before = ForecastScore.objects.filter(study=demo_study).count()
    services.question_resolve(
        question=question,
        outcome=Outcome(binary=False),
        known_at=date(2025, 1, 6),
        source="Police missing-person records",
        by=researcher,
    )
    assert ForecastScore.objects.filter(study=demo_study).count() == before


def test_simulated_participants_complete_the_cases_they_answered(demo_study):
    from casecast.forecasts.models import Assignment, Forecast
    from casecast.resolution.demo import DEMO_MARKER
    from casecast.studies.models import Participant
    from casecast.studies.selectors import consort_flow

    simulated = Participant.objects.filter(study=demo_study, baseline__has_key=DEMO_MARKER)
    answered = Assignment.objects.filter(
        participant__in=simulated, pk__in=Forecast.objects.values("assignment_id")
    )
    assert answered.exists()
    assert not answered.filter(completed_at__isnull=True).exists()
    assert not answered.filter(started_at__isnull=True).exists()
    per_arm = {}
    for person in simulated.select_related("arm"):
        per_arm[person.arm.key] = per_arm.get(person.arm.key, 0) + 1
    flow = consort_flow(study=demo_study)
    # The second wave opens months from now: nobody, simulated or not, has completed it.
    opens_later = [p.opens_at is not None for p in demo_study.phases.order_by("position")]
    assert opens_later == [False, False, True]
    for arm in flow.arms:
        everyone = per_arm.get(arm.key, 0)
        assert [phase.completed for phase in arm.phases] == [everyone, everyone, 0], arm.key
    assert sum(per_arm.values()) == 40


def test_the_rescore_command_rebuilds_scores(casebook, people):
    forecast = casebook.answer(people["ann"], casebook.q("rereferral"), probability_pct=70)
    resolve_quietly(casebook.q("rereferral"), Outcome(binary=True))
    out = StringIO()
    call_command("rescore_study", casebook.study.slug, stdout=out)
    assert "1 forecasts scored, 0 answers without a score" in out.getvalue()
    assert ForecastScore.objects.get(forecast=forecast).brier == pytest.approx(0.09)
    assert RescoreJob.objects.get().status == RescoreJob.Status.DONE


def set_release(study: Study, release: str, status: str | None = None) -> None:
    Study.objects.filter(pk=study.pk).update(
        outcome_release=release, **({"status": status} if status else {})
    )


@pytest.mark.parametrize(
    ("release", "answered", "phase_done", "status", "visible"),
    [
        ("immediately", False, False, None, False),
        ("immediately", True, False, None, True),
        ("after_phase", True, False, None, False),
        ("after_phase", True, True, None, True),
        ("after_study", True, True, None, False),
        ("after_study", True, True, "closed", True),
        ("never", True, True, "closed", False),
    ],
)
def test_outcome_timing_follows_the_studys_release_rule(
    casebook, people, release, answered, phase_done, status, visible
):
    person = people["ann"]
    q = casebook.q("rereferral")
    resolve_quietly(q, Outcome(binary=True))
    assignment = casebook.assignment(person, q)
    if answered:
        casebook.answer(person, q, probability_pct=50)
    if phase_done:
        assignment.completed_at = timezone.now()
        assignment.save()
    set_release(casebook.study, release, status)
    person.refresh_from_db()
    assert outcome_visible(participant=person, question=casebook.q("rereferral")) is visible


def test_no_outcome_is_visible_for_an_unresolved_or_annulled_question(casebook, people):
    person = people["ann"]
    set_release(casebook.study, "immediately")
    casebook.answer(person, casebook.q("plan"), probabilities_pct=[20, 30, 50])
    person.refresh_from_db()
    assert not outcome_visible(participant=person, question=casebook.q("plan"))
    from casecast.vignettes.models import Question

    Question.objects.filter(key="plan").update(
        outcome_category=1, annulled=True, outcome_known_at=date(2024, 1, 1)
    )
    assert not outcome_visible(participant=person, question=casebook.q("plan"))
