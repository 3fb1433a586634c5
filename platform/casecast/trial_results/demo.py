"""Demo: a trial-results study with one published result and two still to come.

The demo study's simulated people, its researcher and analyst have forecast; the
first trial's result is recorded, so its result page shows the crowd against it.
Idempotent: a second run changes nothing.
"""

from __future__ import annotations

import numpy as np
from django.db import transaction

from casecast.accounts.models import User
from casecast.studies.models import Participant
from casecast.trial_results import services
from casecast.trial_results.models import ResultsStudy

TITLE = "Forecast the centre's 2026 trials (demo)"
SEED = 2026
# (trial, description, outcome, unit, true effect, published result or None)
TRIALS = [
    (
        "Outcome feedback (demo)",
        "Social workers in 12 councils saw what happened in each case they forecast; "
        "a control group did not.",
        "Mean Brier score, feedback arm minus control, after 6 months",
        "Brier points",
        -0.012,
        (-0.012, -0.020, -0.004, "Casecast demo trial report, 2026"),
    ),
    (
        "Calibration training (demo)",
        "A 40-minute calibration training module before the first cases, against none.",
        "Mean Brier score, training arm minus control",
        "Brier points",
        -0.008,
        None,
    ),
    (
        "Base-rate information (demo)",
        "Each case shows how often the outcome happens in similar cases nationally.",
        "Mean Brier score, base-rate arm minus control",
        "Brier points",
        -0.015,
        None,
    ),
]


@transaction.atomic
def seed_demo_trial_results(*, researcher: User) -> ResultsStudy:
    existing = ResultsStudy.objects.filter(title=TITLE).first()
    if existing is not None:
        return existing
    study = services.results_study_save(
        by=researcher,
        title=TITLE,
        description="Before each result is published, say what you think the trial found.",
        interval_level=80,
        is_open=True,
    )
    forecasters = _forecasters(researcher)
    rng = np.random.default_rng(SEED)
    for position, (trial, description, outcome, unit, truth, published) in enumerate(TRIALS):
        question = services.question_save(
            study=study, by=researcher, trial=trial, description=description,
            outcome=outcome, unit=unit, position=position,
        )  # fmt: skip
        for user in forecasters:
            estimate = round(float(truth + rng.normal(0, 0.008)), 4)
            half = round(float(abs(rng.normal(0.008, 0.004))) + 0.001, 4)
            services.forecast_submit(
                question=question, user=user, estimate=estimate,
                low=round(estimate - half, 4), high=round(estimate + half, 4),
            )  # fmt: skip
        if published is not None:
            estimate, low, high, source = published
            services.question_resolve(
                question=question, by=researcher, estimate=estimate, low=low, high=high,
                source=source,
            )  # fmt: skip
    return study


def _forecasters(researcher: User) -> list[User]:
    people = (
        Participant.objects.filter(user__isnull=False, withdrawn_at__isnull=True)
        .order_by("pk")
        .values_list("user_id", flat=True)
    )
    ids = list(dict.fromkeys(people))[:30]
    staff = User.objects.filter(email__in=["analyst@example.org"]).values_list("pk", flat=True)
    users = User.objects.in_bulk([*ids, researcher.pk, *staff])
    return [users[pk] for pk in sorted(users)]
