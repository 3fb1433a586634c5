"""Every answer rule, per question kind, without a database."""

import pytest
from casecast.forecasts import answers as rules
from casecast.forecasts.answers import Answer, FieldError, QuestionSpec, parse_answer, parse_stage
from casecast.vignettes import kinds

BINARY = QuestionSpec("q1", kinds.BINARY.value)
CHOICE = QuestionSpec(
    "q2", kinds.MULTIPLE_CHOICE.value, options=("Home", "Kinship care", "Foster care")
)
ORDERED = QuestionSpec("q3", kinds.ORDERED.value, options=("low", "medium", "high"))
QUANTILES = QuestionSpec("q4", kinds.NUMERIC.value, numeric_format=rules.QUANTILES)
INTERVAL = QuestionSpec(
    "q5", kinds.NUMERIC.value, numeric_format=rules.INTERVAL, interval_confidence=90
)
DECISION = QuestionSpec("q6", kinds.DECISION.value, options=("No further action", "Early help"))
RATIONALE = QuestionSpec("q7", kinds.RATIONALE.value)


def errors(spec, data):
    result = parse_answer(spec, data)
    assert isinstance(result, list), result
    return {e.field: e.message for e in result}


@pytest.mark.parametrize(
    "raw, value", [("1", 1), ("99", 99), (" 35 ", 35), ("35%", 35), ("7 %", 7)]
)
def test_binary_accepts_whole_percentages_from_1_to_99(raw, value):
    assert parse_answer(BINARY, {"q1": raw}) == Answer("q1", probability_pct=value)


@pytest.mark.parametrize("raw", ["0", "100", "-5", "101", "0%"])
def test_binary_refuses_certainty_with_an_explanation(raw):
    assert errors(BINARY, {"q1": raw}) == {
        "q1": "Enter a whole number between 1 and 99. No case is completely certain, "
        "so 0% and 100% are not allowed."
    }


@pytest.mark.parametrize("raw", ["35.5", "about 30", "thirty", "3O"])
def test_binary_refuses_anything_but_a_whole_number(raw):
    assert errors(BINARY, {"q1": raw}) == {"q1": "Enter the percentage as a whole number, like 30"}


def test_binary_missing_answer_asks_for_one():
    assert errors(BINARY, {"q1": "  "}) == {"q1": "Enter a percentage from 1 to 99"}
    assert errors(BINARY, {}) == {"q1": "Enter a percentage from 1 to 99"}


@pytest.mark.parametrize("spec", [CHOICE, ORDERED])
def test_distribution_accepts_percentages_summing_to_100(spec):
    data = {f"{spec.prefix}-0": "20", f"{spec.prefix}-1": "30%", f"{spec.prefix}-2": "50"}
    assert parse_answer(spec, data) == Answer(spec.prefix, probabilities_pct=(20, 30, 50))


@pytest.mark.parametrize("spec", [CHOICE, ORDERED])
def test_distribution_total_error_is_about_the_whole_question_not_one_option(spec):
    data = {f"{spec.prefix}-0": "20", f"{spec.prefix}-1": "30", f"{spec.prefix}-2": "40"}
    assert errors(spec, data) == {
        spec.prefix: "The percentages add up to 90%. Change them so they add up to 100%."
    }


def test_distribution_names_each_field_that_is_wrong():
    data = {"q2-0": "", "q2-1": "0", "q2-2": "half"}
    assert errors(CHOICE, data) == {
        "q2-0": "Enter a percentage for Home",
        "q2-1": rules.MESSAGE_NOT_CERTAIN,
        "q2-2": rules.MESSAGE_WHOLE_NUMBER,
    }


def test_quantiles_accept_strictly_increasing_numbers():
    data = {"q4-p5": "2", "q4-p50": "1,200", "q4-p95": "3500.5"}
    assert parse_answer(QUANTILES, data) == Answer("q4", lower=2, median=1200, upper=3500.5)


@pytest.mark.parametrize(
    "low, middle, high", [("0", "0", "3"), ("0", "3", "3"), ("3", "3", "3"), ("0", "0", "0")]
)
def test_quantiles_may_repeat_as_counts_often_do(low, middle, high):
    data = {"q4-p5": low, "q4-p50": middle, "q4-p95": high}
    expected = Answer("q4", lower=float(low), median=float(middle), upper=float(high))
    assert parse_answer(QUANTILES, data) == expected


def test_quantiles_must_not_go_down():
    data = {"q4-p5": "10", "q4-p50": "6", "q4-p95": "5"}
    assert errors(QUANTILES, data) == {
        "q4-p50": "The middle estimate must be the same as or more than the low estimate",
        "q4-p95": "The high estimate must be the same as or more than the low estimate",
    }
    data = {"q4-p5": "10", "q4-p50": "10", "q4-p95": "5"}
    assert errors(QUANTILES, data) == {
        "q4-p95": "The high estimate must be the same as or more than the middle estimate",
    }


def test_high_estimate_below_the_low_one_is_named_even_when_above_the_middle():
    data = {"q4-p5": "5", "q4-p50": "3", "q4-p95": "4"}
    assert errors(QUANTILES, data) == {
        "q4-p50": "The middle estimate must be the same as or more than the low estimate",
        "q4-p95": "The high estimate must be the same as or more than the low estimate",
    }


def test_quantiles_name_missing_and_non_numbers():
    data = {"q4-p5": "", "q4-p50": "ten", "q4-p95": "nan"}
    assert errors(QUANTILES, data) == {
        "q4-p5": "Enter the low estimate",
        "q4-p50": "Enter the middle estimate as a number, like 12",
        "q4-p95": "Enter the high estimate as a number, like 12",
    }


def test_interval_keeps_the_stated_confidence():
    answer = parse_answer(INTERVAL, {"q5-lower": "3", "q5-upper": "8"})
    assert answer == Answer("q5", lower=3, upper=8, interval_confidence=90)


def test_interval_upper_must_be_above_lower():
    assert errors(INTERVAL, {"q5-lower": "8", "q5-upper": "3"}) == {
        "q5-upper": "The upper bound must be more than the lower bound"
    }
    assert errors(INTERVAL, {"q5-lower": "3", "q5-upper": "3"}) == {
        "q5-upper": "The upper bound must be more than the lower bound"
    }


def test_decision_needs_a_decision_and_a_confidence_from_1_to_5():
    assert parse_answer(DECISION, {"q6-decision": "1", "q6-confidence": "5"}) == Answer(
        "q6", decision=1, decision_confidence=5
    )
    assert errors(DECISION, {"q6-decision": "2", "q6-confidence": "0"}) == {
        "q6-decision": "Select the decision you would take",
        "q6-confidence": "Select how confident you are in this decision",
    }
    assert errors(DECISION, {"q6-decision": "0", "q6-confidence": "6"}) == {
        "q6-confidence": "Select how confident you are in this decision",
    }


def test_rationale_required_and_limited_in_length():
    assert errors(RATIONALE, {"q7": "   "}) == {"q7": "Explain your reasoning"}
    assert errors(RATIONALE, {"q7": "x" * 2001}) == {
        "q7": "Your reasoning must be 2,000 characters or fewer"
    }
    assert parse_answer(RATIONALE, {"q7": " Because.\r\nReally. "}) == Answer(
        "q7", rationale="Because.\nReally."
    )


@pytest.mark.parametrize("spec", [BINARY, CHOICE, QUANTILES, DECISION])
def test_optional_questions_may_be_left_blank_but_not_half_done(spec):
    optional = QuestionSpec(**{**spec.__dict__, "required": False})
    assert parse_answer(optional, {}) is None
    first = rules.field_names(optional)[0]
    partial = {first: "zzz"}
    assert isinstance(parse_answer(optional, partial), list)


def test_stage_collects_answers_and_errors_in_page_order():
    data = {"q1": "100", "q6-decision": "1", "q6-confidence": "3", "q7": "Why not"}
    parsed = parse_stage([BINARY, DECISION, RATIONALE, INTERVAL], data)
    assert not parsed.is_valid
    assert [e.field for e in parsed.errors] == ["q1", "q5-lower", "q5-upper"]
    assert [a.prefix for a in parsed.answers] == ["q6", "q7"]


def test_field_names_cover_every_kind():
    assert rules.field_names(BINARY) == ["q1"]
    assert rules.field_names(CHOICE) == ["q2-0", "q2-1", "q2-2"]
    assert rules.field_names(QUANTILES) == ["q4-p5", "q4-p50", "q4-p95"]
    assert rules.field_names(INTERVAL) == ["q5-lower", "q5-upper"]
    assert rules.field_names(DECISION) == ["q6-decision", "q6-confidence"]
    assert FieldError("a", "b").field == "a"


def test_optional_rationale_may_be_left_blank():
    optional = QuestionSpec("q7", kinds.RATIONALE.value, required=False)
    assert parse_answer(optional, {"q7": "  "}) is None
    assert parse_answer(optional, {"q7": "Short."}) == Answer("q7", rationale="Short.")
