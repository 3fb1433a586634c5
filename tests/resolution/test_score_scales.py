"""Each stored score column holds one scale for every row (issue 12, item 7)."""

from __future__ import annotations

import pytest
from casecast.resolution.models import ForecastScore
from casecast.resolution.outcomes import Outcome
from casecast.resolution.scoring_pipeline import score_questions
from django.db import IntegrityError, transaction

from tests.resolution.test_pipeline import resolve_quietly

pytestmark = pytest.mark.django_db


def _score_every_kind(casebook, people) -> dict[str, ForecastScore]:
    answers = {
        "rereferral": casebook.answer(people["ann"], casebook.q("rereferral"), probability_pct=70),
        "plan": casebook.answer(people["ann"], casebook.q("plan"), probabilities_pct=[50, 30, 20]),
        "severity": casebook.answer(
            people["ann"], casebook.q("severity"), probabilities_pct=[20, 50, 30]
        ),
        "visits": casebook.answer(
            people["ann"], casebook.q("visits"), lower=10, median=20, upper=40
        ),
    }
    outcomes = {
        "rereferral": Outcome(binary=True),
        "plan": Outcome(category=1),
        "severity": Outcome(category=2),
        "visits": Outcome(numeric=50),
    }
    ids = [i for key, o in outcomes.items() for i in resolve_quietly(casebook.q(key), o)]
    score_questions(question_ids=ids)
    return {key: ForecastScore.objects.get(forecast=f) for key, f in answers.items()}


def test_yes_no_and_multi_category_brier_scores_are_stored_in_separate_columns(casebook, people):
    scores = _score_every_kind(casebook, people)
    # (0.7 - 1)^2 on the 0-1 scale; nothing on the 0-2 one.
    assert (
        scores["rereferral"].brier == pytest.approx(0.09)
        and scores["rereferral"].brier_multi is None
    )
    # Sums over the options, 0-2: 0.5^2 + 0.7^2 + 0.2^2 and 0.2^2 + 0.5^2 + 0.7^2.
    for key in ("plan", "severity"):
        assert scores[key].brier is None
        assert scores[key].brier_multi == pytest.approx(0.78)
    # Three percentiles: the weighted interval score, 2 x mean pinball loss.
    pinball = [0.05 * (50 - 10), 0.5 * (50 - 20), 0.95 * (50 - 40)]
    assert scores["visits"].wis == pytest.approx(2 * sum(pinball) / 3)
    assert scores["visits"].brier is None and scores["visits"].brier_multi is None


@pytest.mark.parametrize(
    "values",
    [
        {"brier": 1.5},  # outside the yes/no scale
        {"brier_multi": 2.5},  # outside the multi-category scale
        {"brier": 0.2, "brier_multi": 0.4},  # two scales on one row
    ],
)
def test_the_database_refuses_a_score_off_its_columns_scale(casebook, people, values):
    scores = _score_every_kind(casebook, people)
    with pytest.raises(IntegrityError), transaction.atomic():
        ForecastScore.objects.filter(pk=scores["plan"].pk).update(
            **{"brier": None, "brier_multi": None, **values}
        )


def test_the_migration_moves_stored_multi_category_brier_scores_to_their_own_column(
    casebook, people
):
    """`resolution.0004` on rows stored the old way: the 0-2 score in `brier`."""
    import importlib

    from django.apps import apps
    from django.db.models import F

    migration = importlib.import_module(
        "casecast.resolution.migrations.0004_one_scale_per_score_column"
    )
    scores = _score_every_kind(casebook, people)
    multi = [scores["plan"].pk, scores["severity"].pk]
    ForecastScore.objects.filter(pk__in=multi).update(brier=F("brier_multi"), brier_multi=None)

    migration.split_brier(apps, None)
    after = {s.pk: s for s in ForecastScore.objects.all()}
    for pk in multi:
        assert after[pk].brier is None and after[pk].brier_multi == pytest.approx(0.78)
    assert after[scores["rereferral"].pk].brier == pytest.approx(0.09)  # yes/no stays
    assert after[scores["rereferral"].pk].brier_multi is None

    migration.join_brier(apps, None)  # and back, for a reverse migration
    assert ForecastScore.objects.get(pk=multi[0]).brier == pytest.approx(0.78)
