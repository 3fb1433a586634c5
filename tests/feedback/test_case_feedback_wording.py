"""What the case feedback page says, row by row, for every kind of forecast question.

The case is the three-part "staged-case" (tests/fixtures_vignettes.py): a yes/no
question asked again in part 3, a multiple-choice and an ordered question, a
numeric question as 5th/50th/95th percentiles and one as a 90% range.
"""

import uuid

import pytest
from casecast.feedback.demo import case_answer
from casecast.forecasts import answers as answer_rules
from casecast.forecasts import selectors as journey
from casecast.forecasts import services as journey_services
from casecast.resolution.scoring_pipeline import score_submission
from casecast.vignettes.services import phase_vignettes_set
from django.urls import reverse

from tests.feedback.page import feedback_cards
from tests.feedback_support import build_feedback_study
from tests.fixtures_studies import create_participant
from tests.fixtures_vignettes import make_staged_vignette

REFERRAL = "How likely is another referral within 3 months?"
MISSED_DAYS = "How many days of school will Mia miss in the next 6 weeks?"  # outcome 6 days
SESSIONS = "How many school sessions will Mia miss next term?"  # outcome 14 sessions
RISK = "What risk level will the strategy discussion agree?"  # options low … very high
CONFERENCE = "What will the outcome of the initial child protection conference be?"


@pytest.fixture
def staged_participant(db, researcher):
    study = build_feedback_study(by=researcher, title="Staged feedback")
    make_staged_vignette(study=study)
    phase_vignettes_set(phase=study.phases.get(position=1), vignette_keys=["staged-case"])
    return create_participant(study=study, email="staged@example.org", arm="outcome")


def _answer(participant, numbers=None):
    """Answer the staged case through the journey; `numbers` overrides numeric answers."""
    numbers = numbers or {}
    phase = participant.study.phases.get(position=1)
    assignment = journey_services.phase_start(participant=participant, phase=phase)[0]
    if not numbers:
        forecasts = case_answer(assignment=assignment, probability_for=lambda q: 70)
    else:
        forecasts = []
        progress = journey.case_progress(assignment=assignment)
        while progress.current_stage is not None:
            stage = progress.current_stage
            journey_services.stage_view_record(assignment=assignment, stage=stage)
            answers = {}
            for question in journey.stage_questions(stage=stage):
                names = answer_rules.field_names(journey_services.question_spec(question))
                if question.key in numbers:
                    answers.update(zip(names, numbers[question.key], strict=True))
                elif question.kind == "binary":
                    answers[names[0]] = "70"
                elif question.kind in ("multiple_choice", "ordered"):
                    share, rest = divmod(100, len(names))
                    answers.update(
                        {n: str(share + (1 if i < rest else 0)) for i, n in enumerate(names)}
                    )
                elif question.kind == "decision":
                    answers.update({names[0]: "1", names[1]: "3"})
                elif question.kind == "numeric":
                    answers.update(zip(names, ["2", "8", "20"][-len(names) :], strict=True))
            result = journey_services.stage_submit(
                assignment=assignment, stage=stage, answers=answers, idempotency_key=uuid.uuid4()
            )
            assert result.ok, result.errors
            forecasts += result.forecasts
            progress = journey.case_progress(assignment=assignment)
    score_submission(forecast_ids=[f.pk for f in forecasts])
    return assignment


def _cards(client, participant, assignment):
    client.force_login(participant.user)
    response = client.get(reverse("feedback:case", args=[assignment.pk]))
    assert response.status_code == 200
    return feedback_cards(response.content)


def _card(cards, question, part=None):
    found = [c for c in cards if c.question == question and (part is None or c.part == part)]
    assert len(found) == 1, [(c.part, c.question) for c in cards]
    return found[0]


@pytest.mark.django_db
def test_a_range_that_contains_the_outcome_is_said_to_contain_it(client, staged_participant):
    # 2 to 20 days, 90% sure; 6 days happened.
    assignment = _answer(staged_participant, {"missed-days": ("2", "20")})
    card = _card(_cards(client, staged_participant, assignment), MISSED_DAYS)
    assert card.rows["Your answer"] == "You said 2 to 20 days, 90% sure."
    assert card.rows["What happened"].startswith("6 days.")
    assert "inside your range" in card.rows["What happened"]
    assert "outside" not in card.rows["What happened"]
    score = card.rows["Your score"]
    width = 20 - 2  # inside the range, the interval score is just the range's width
    assert score.startswith(f"{width} ")
    assert f"{width} days" in score
    assert "inside your range" in score
    assert "narrower range that still contained what happened would have scored better" in score
    assert "0 would be perfect" in score
    assert "further off you were" not in score


@pytest.mark.django_db
def test_a_range_that_misses_says_by_how_much_and_what_the_score_is_made_of(
    client, staged_participant
):
    # 8 to 20 days, 90% sure; 6 days happened: 2 days below the range.
    assignment = _answer(staged_participant, {"missed-days": ("8", "20")})
    card = _card(_cards(client, staged_participant, assignment), MISSED_DAYS)
    happened = card.rows["What happened"]
    assert happened.startswith("6 days.")
    assert "outside your range" in happened
    assert "2 days below it" in happened
    width, penalty = 20 - 8, (2 / 0.1) * 2  # Gneiting & Raftery at alpha = 0.1
    score = card.rows["Your score"]
    assert score.startswith(f"{width + penalty:g} ")
    assert f"width of your range ({width} days) plus {penalty:g} for missing it by 2 days" in score
    assert "contains what happened and is as narrow as you can make it" in score


@pytest.mark.django_db
def test_percentile_answers_say_whether_the_outcome_was_in_the_range(client, staged_participant):
    # 5th/50th/95th percentiles 2, 8, 20 sessions; 14 happened.
    assignment = _answer(staged_participant, {"school-sessions": ("2", "8", "20")})
    card = _card(_cards(client, staged_participant, assignment), SESSIONS)
    assert card.rows["What happened"].startswith("14 sessions.")
    assert "inside your range" in card.rows["What happened"]
    # Weighted interval score of three quantiles: 2 x mean pinball loss.
    pinball = [0.05 * (14 - 2), 0.5 * (14 - 8), (1 - 0.95) * (20 - 14)]
    expected = round(2 * sum(pinball) / 3, 2)
    score = card.rows["Your score"]
    assert score.startswith(f"{expected:g} ")
    assert "the closer your middle estimate was to what happened" in score
    assert "narrower range" in score


@pytest.mark.django_db
def test_rows_do_not_repeat_their_key_and_options_read_as_a_sentence_start(
    client, staged_participant
):
    assignment = _answer(staged_participant)
    cards = _cards(client, staged_participant, assignment)
    for card in cards:
        for key, value in card.rows.items():
            assert not value.startswith(key), (key, value)
            assert not value.lower().startswith("your score"), value
    # The question defines "high" (lower case); as the whole answer it starts a sentence.
    assert _card(cards, RISK).rows["What happened"] == "High."
    assert _card(cards, CONFERENCE).rows["What happened"] == "Child protection plan."
    # In a list after "You said:", the labels stay as the question wrote them.
    assert _card(cards, RISK).rows["Your answer"].startswith("You said: low ")
    referral = _card(cards, REFERRAL, part="Part 1")
    assert referral.rows["Your score"].startswith("0.09. ")  # (0.7 - 1)^2 = 0.09


@pytest.mark.django_db
def test_a_question_asked_again_is_labelled_with_its_part(client, staged_participant):
    assignment = _answer(staged_participant)
    cards = _cards(client, staged_participant, assignment)
    asked = [(c.part, c.question) for c in cards if c.question == REFERRAL]
    assert asked == [("Part 1", REFERRAL), ("Updated in part 3", REFERRAL)]
    assert _card(cards, RISK).part == "Part 2"
    assert all(card.part for card in cards)  # a case in parts labels every question
    status = client.get(reverse("feedback:case_status", args=[assignment.pk])).json()
    assert [q["part"] for q in status["questions"]].count("Updated in part 3") == 1


@pytest.mark.django_db
def test_a_case_in_one_part_has_no_part_labels(client, in_arm):
    from tests.feedback_support import answer_phase

    participant = in_arm("outcome")
    answer_phase(participant, 1)
    cards = _cards(client, participant, participant.assignments.get())
    assert len(cards) == 12
    assert {card.part for card in cards} == {""}
