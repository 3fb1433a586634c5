"""Demo: the demo study's simulated people linked across a second, follow-up study.

Four in five simulated people of the demo study agree to link their answers; all of
them also take part in "Casecast demo: follow-up wave" (a copy of the demo design and
vignette bank), where the better forecasters of the demo study are made better still,
so the track record page shows two studies, skill that differs and persists, and a
recruiting study to invite the top group to. Idempotent: a second run changes nothing.
"""

from __future__ import annotations

import numpy as np
import yaml
from django.db import transaction
from django.db.models import Avg
from django.utils import timezone

from casecast.accounts.models import User
from casecast.analysis.model import control_forecast, forecasters_draw, mixed
from casecast.forecasts.models import Assignment, Forecast
from casecast.resolution import scoring_pipeline
from casecast.resolution.demo import DEMO_MARKER, DEMO_SEED
from casecast.resolution.models import ForecastScore
from casecast.studies import services as study_services
from casecast.studies.design_yaml import design_export, design_import
from casecast.studies.models import EnrolmentRoute, Participant, Study
from casecast.vignettes import kinds
from casecast.vignettes.demo import seed_demo_bank
from casecast.vignettes.models import PhaseVignette

FOLLOW_UP_TITLE = "Casecast demo: follow-up wave"
DECLINE_EVERY = 5  # every fifth simulated person does not agree to be linked
FOLLOW_UP_SEED = DEMO_SEED + 1
MAX_WEIGHT = 0.6


@transaction.atomic
def seed_demo_network(*, study: Study, researcher: User) -> Study | None:
    simulated = list(
        Participant.objects.filter(study=study, baseline__has_key=DEMO_MARKER)
        .select_related("council")
        .order_by("pk")
    )
    if not simulated or study.status not in (Study.Status.RECRUITING, Study.Status.RUNNING):
        return None
    if not study.offers_network_linking:
        study_services.study_update(study=study, by=researcher, offers_network_linking=True)
        study.refresh_from_db()
    agreed = [p for i, p in enumerate(simulated) if i % DECLINE_EVERY != DECLINE_EVERY - 1]
    for participant in agreed:
        study_services.participant_linking_set(participant=participant, link=True)
    existing = Study.objects.filter(title=FOLLOW_UP_TITLE).first()
    if existing is not None:
        return existing
    follow_up = _follow_up_study(study, researcher)
    people = [_take_part(follow_up, p, link=p in agreed) for p in simulated]
    _forecasts(follow_up, people, simulated)
    scoring_pipeline.rescore_study(study_id=follow_up.pk)
    return follow_up


def _follow_up_study(study: Study, researcher: User) -> Study:
    design = yaml.safe_load(design_export(study=study))
    design["study"]["title"] = FOLLOW_UP_TITLE
    design["study"]["allow_no_email"] = True  # the simulated people have no address
    follow_up = design_import(text=yaml.safe_dump(design, allow_unicode=True), by=researcher)
    study_services.study_status_change(study=follow_up, to=Study.Status.RECRUITING, by=researcher)
    seed_demo_bank(study=follow_up)
    follow_up.refresh_from_db()
    return follow_up


def _take_part(study: Study, earlier: Participant, *, link: bool) -> Participant:
    """The same simulated person (account) joins the follow-up study, through the services
    from consent on; the enrolment row is written directly, as they have no address."""
    council = study.councils.filter(name=earlier.council.name).first() if earlier.council else None
    participant = Participant.objects.create(
        study=study, user=earlier.user, council=council, enrolled_via=EnrolmentRoute.COUNCIL_CODE
    )
    consent = study.consent_versions.last()
    assert consent is not None  # copied from the demo design
    participant = study_services.participant_consent(
        participant=participant, consent_version=consent, link_across_studies=link
    )
    answers = {k: v for k, v in earlier.baseline.items() if k != DEMO_MARKER}
    participant = study_services.participant_baseline_submit(
        participant=participant, answers=answers
    )
    study_services.participant_randomise(participant=participant)
    return Participant.objects.get(pk=participant.pk)


def _forecasts(study: Study, people: list[Participant], earlier: list[Participant]) -> None:
    """Simulated forecasts in which the people who did best in the demo study do better.

    The demo study's people barely differ in skill (too little to detect in 30
    forecasts), which would make the demo's track record page a row of ties. Here each
    person's forecast is mixed towards what happened by a weight that follows their rank
    in the demo study (best: 0.6, worst: 0), so skill differs and persists, on purpose."""
    weight = _weights_by_earlier_rank(earlier)
    rng = np.random.default_rng(FOLLOW_UP_SEED)
    k, bias = forecasters_draw(np.random.default_rng(DEMO_SEED), len(people), 0.5)
    items = list(
        PhaseVignette.objects.filter(phase__study=study, arm__isnull=True)
        .exclude(phase__opens_at__gt=timezone.now())
        .select_related("phase", "vignette")
        .order_by("phase__position", "position")
    )
    forecasts = []
    for i, person in enumerate(people):
        for position, item in enumerate(items):
            version = item.vignette.current_version()
            questions = [q for q in version.questions.all() if q.kind == kinds.BINARY.value]
            if not questions:
                continue
            assignment = Assignment.objects.create(
                participant=person,
                phase=item.phase,
                vignette_version=version,
                position=position,
                is_retest=item.is_retest,
            )
            risk = np.array([q.base_rate if q.base_rate is not None else 0.5 for q in questions])
            happened = np.array([1.0 if q.outcome_binary else 0.0 for q in questions])
            p = control_forecast(rng, risk, np.full(risk.shape, k[i]), np.full(risk.shape, bias[i]))
            percent = mixed(p, happened, weight[earlier[i].pk])
            forecasts += [
                Forecast(
                    participant=person, question=q, assignment=assignment, probability_pct=int(pct)
                )
                for q, pct in zip(questions, percent, strict=True)
            ]
    Forecast.objects.bulk_create(forecasts)


def _weights_by_earlier_rank(earlier: list[Participant]) -> dict[int, float]:
    scores = ForecastScore.objects.filter(
        participant__in=earlier, is_last=True, is_retest=False, probability__isnull=False
    )
    mean = {
        row["participant_id"]: row["brier"]
        for row in scores.values("participant_id").annotate(brier=Avg("brier"))
    }
    order = sorted(earlier, key=lambda p: (mean.get(p.pk, 1.0), p.pk))
    last = max(len(order) - 1, 1)
    return {p.pk: MAX_WEIGHT * (1 - rank / last) for rank, p in enumerate(order)}
