"""Bad input fails with a message naming the argument, before anything is computed."""

import pytest
from casecast import insights

CASES = [
    (lambda: insights.calibration(p=[0.2, 1.2], y=[0, 1]), "p must hold probabilities"),
    (lambda: insights.calibration(p=[0.2, 0.4], y=[0, 1, 1]), "y has 3 rows"),
    (lambda: insights.calibration(p=[], y=[]), "p is empty"),
    (
        lambda: insights.calibration(p=[0.2, 0.4], y=[0, 1], group=[0.5, 1]),
        "group must hold integer",
    ),
    (lambda: insights.corp_reliability(p=[0.2], y=[1], n_resamples=0), "n_resamples must be"),
    (
        lambda: insights.system_noise(p=[0.2, 0.3], worker=[1, 2], question=[1, 1], n_boot=0),
        "n_boot must be",
    ),
    (
        lambda: insights.system_noise(p=[0.2, 0.3], worker=["a", "b"], question=[1, 1]),
        "worker must hold integer",
    ),
    (
        lambda: insights.decision_thresholds(p=[0.2], action=[1], worker=[1], min_cases=0),
        "min_cases must be",
    ),
    (
        lambda: insights.decision_thresholds(p=[0.2, 0.3], action=[1, 3], worker=[1, 1]),
        "action must hold only 0 and 1",
    ),
    (
        lambda: insights.level_thresholds(p=[0.2], decision=[0.5], worker=[1]),
        "decision must hold integer levels",
    ),
    (lambda: insights.question_noise(p=[[0.2]], question=[1]), "p must be one-dimensional"),
    (lambda: insights.retest_consistency(first=[0.2], second=[0.3, 0.4]), "second has 2 rows"),
]


@pytest.mark.parametrize(("call", "message"), CASES)
def test_bad_input_is_a_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()
