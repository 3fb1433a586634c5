"""Demo scores: simulated participants with scored forecasts in the demo study."""

from __future__ import annotations

import numpy as np
from django.db import transaction

from casecast.forecasts.models import Assignment, Forecast, PhaseVignette
from casecast.resolution import scoring_pipeline
from casecast.resolution.simulation import (
    BASELINE_ANSWERS,
    control_forecast,
    forecasters_draw,
    mixed,
)
from casecast.studies import services as study_services
from casecast.studies.models import BaselineQuestion, EnrolmentRoute, Participant, Study
from casecast.vignettes.models import Question

DEMO_PARTICIPANTS = 40
DEMO_SEED = 40
DEMO_MARKER = "demo_simulated"


def _baseline_answers(study: Study, i: int) -> dict[str, object]:
    answers: dict[str, object] = {}
    for question in study.baseline_questions.all():
        if question.kind == BaselineQuestion.Kind.CHOICE and question.choices:
            answers[question.key] = question.choices[i % len(question.choices)]
        elif question.kind == BaselineQuestion.Kind.NUMBER:
            answers[question.key] = 1 + i % 10
        else:
            answers[question.key] = BASELINE_ANSWERS.get(question.key, "Simulated")
    return answers


def _enrol(study: Study, n: int) -> list[Participant]:
    councils = list(study.councils.order_by("pk"))
    consent = study.consent_versions.last()
    eligible = {q.pk: q.eligible_answer for q in study.eligibility_questions.all()}
    people = []
    for i in range(n):
        result = study_services.participant_enrol(
            study=study,
            council=councils[i % len(councils)] if councils else None,
            email=None,
            route=EnrolmentRoute.COUNCIL_CODE if councils else EnrolmentRoute.STUDY_CODE,
            eligibility_answers=eligible,
        )
        participant = study_services.participant_consent(
            participant=result.participant,
            consent_version=consent,  # type: ignore[arg-type]
        )
        participant = study_services.participant_baseline_submit(
            participant=participant, answers=_baseline_answers(study, i)
        )
        Participant.objects.filter(pk=participant.pk).update(
            baseline={**participant.baseline, DEMO_MARKER: True}
        )
        study_services.participant_randomise(participant=participant)
        people.append(Participant.objects.select_related("arm").get(pk=participant.pk))
    return people


def _forecasts(study: Study, people: list[Participant]) -> None:
    rng = np.random.default_rng(DEMO_SEED)
    k, bias = forecasters_draw(rng, len(people), 0.5)
    items = list(
        PhaseVignette.objects.filter(phase__study=study, arm__isnull=True)
        .select_related("phase", "vignette")
        .order_by("phase__position", "position")
    )
    forecasts = []
    for i, person in enumerate(people):
        for position, item in enumerate(items):
            version = item.vignette.current_version()
            assignment = Assignment.objects.create(
                participant=person,
                phase=item.phase,
                vignette_version=version,
                position=position,
                is_retest=item.is_retest,
            )
            questions = [q for q in version.questions.all() if q.kind == Question.Kind.BINARY]
            if not questions:
                continue
            risk = np.array(
                [
                    q.base_rate if q.base_rate is not None else (0.7 if q.outcome_binary else 0.3)
                    for q in questions
                ]
            )
            p = control_forecast(rng, risk, np.full(risk.shape, k[i]), np.full(risk.shape, bias[i]))
            treated = item.phase.randomise_before and person.arm and not person.arm.is_control
            percent = mixed(p, risk, 0.3 if treated else 0.0)
            forecasts += [
                Forecast(
                    participant=person, question=q, assignment=assignment, probability_pct=int(pct)
                )
                for q, pct in zip(questions, percent, strict=True)
            ]
    Forecast.objects.bulk_create(forecasts)


@transaction.atomic
def seed_demo_scores(*, study: Study) -> None:
    """Add simulated participants with scored forecasts to the demo study, once."""
    if Participant.objects.filter(study=study, baseline__has_key=DEMO_MARKER).exists():
        return
    if study.status not in (Study.Status.RECRUITING, Study.Status.RUNNING):
        return  # enrolment and randomisation need an open study
    allow_no_email = study.allow_no_email
    # Simulated people have no email address; restore the setting afterwards.
    Study.objects.filter(pk=study.pk).update(allow_no_email=True)
    study.allow_no_email = True
    people = _enrol(study, DEMO_PARTICIPANTS)
    Study.objects.filter(pk=study.pk).update(allow_no_email=allow_no_email)
    _forecasts(study, people)
    scoring_pipeline.rescore_study(study_id=study.pk)
