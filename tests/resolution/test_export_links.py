"""A decision stays paired with its probability question through to the exports
(issue 12, item 4): `linked_question_id` / `linked_forecast_id` on forecasts.csv and
scores.csv. Expected pairs are the answers the test itself wrote."""

from __future__ import annotations

import pytest
from casecast.vignettes.models import Question

from tests.resolution.test_exports import download, run_trial

pytestmark = pytest.mark.django_db


@pytest.fixture
def linked(casebook, people):
    """The trial of test_exports with its decision relating to the yes/no question."""
    trial = run_trial(casebook, people)
    Question.objects.filter(pk=trial.decision.pk).update(relates_to=casebook.q("rereferral"))
    return trial


def _by_id(client, name, study) -> dict[int, dict[str, str]]:
    return {int(r["forecast_id"]): r for r in download(client, name, study)}


def test_a_decision_names_its_probability_question_and_the_same_persons_answer_to_it(
    client, casebook, linked, study_analyst
):
    client.force_login(study_analyst)
    rows = _by_id(client, "export_forecasts", casebook.study)
    f = linked.forecasts
    decision = rows[f["ann-decision"].pk]
    assert decision["linked_question_id"] == str(casebook.q("rereferral").pk)
    # Ann answered the question twice in that case: her last answer (80%) is the pair.
    assert decision["linked_forecast_id"] == str(f["ann-last"].pk)
    # And back: her forecasts in that case name the decision and her answer to it.
    for key in ("ann-first", "ann-last"):
        assert rows[f[key].pk]["linked_question_id"] == str(linked.decision.pk)
        assert rows[f[key].pk]["linked_forecast_id"] == str(f["ann-decision"].pk)
    # Another case (the baseline phase) and other people made no decision to pair with.
    for key in ("ann-baseline", "ben", "cat"):
        assert rows[f[key].pk]["linked_question_id"] == str(linked.decision.pk)
        assert rows[f[key].pk]["linked_forecast_id"] == ""
    # Questions with no decision relating to them link nothing.
    for key in ("ann-plan", "ann-visits", "ann-why"):
        assert rows[f[key].pk]["linked_question_id"] == ""
        assert rows[f[key].pk]["linked_forecast_id"] == ""


def test_an_analyst_pairs_each_decision_with_the_brier_score_of_its_forecast(
    client, casebook, linked, study_analyst
):
    client.force_login(study_analyst)
    scores = _by_id(client, "export_scores", casebook.study)
    answers = _by_id(client, "export_forecasts", casebook.study)
    ann_last = scores[linked.forecasts["ann-last"].pk]
    # From the score row to the decision, by one join on forecast_id.
    paired = answers[int(ann_last["linked_forecast_id"])]
    assert (paired["kind"], paired["decision_label"]) == ("decision", "Early help")
    # From the decision to the score: (0.8 - 1)^2.
    decision = answers[linked.forecasts["ann-decision"].pk]
    assert float(scores[int(decision["linked_forecast_id"])]["brier"]) == pytest.approx(0.04)
