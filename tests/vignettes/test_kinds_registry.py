"""Question kinds are declared once (vignettes/kinds.py) and read everywhere.

The toy kind below is registered in one place — the `toy_kind` fixture — and
nothing else is edited: it is parsed, imported from and exported to a bank
file, drawn on a stage page, stored as a `Forecast`, scored and exported.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import uuid
from pathlib import Path

import pytest
import yaml
from casecast.forecasts import services
from casecast.forecasts.answers import Answer, FieldError, QuestionSpec, parse_answer
from casecast.forecasts.models import Forecast
from casecast.resolution.exports import data_dictionary_rows, forecast_export_rows
from casecast.resolution.exports import kinds as export_kinds
from casecast.resolution.models import ForecastScore
from casecast.vignettes import kinds
from casecast.vignettes.bank import bank_export, bank_import
from casecast.vignettes.kinds import AnswerShape, Outcome, QuestionKind, Scoring
from casecast.vignettes.models import Question, Vignette
from django.test import Client
from django.urls import reverse

from tests.forecasts.conftest import phase, plan, start_case

TOY = "toy_event"

TOY_BANK = """\
format: casecast-bank/1
vignettes:
  - key: toy-case
    title: Sam, aged 4
    stages:
      - title: Referral
        body: A health visitor refers Sam after missed appointments.
        questions:
          - key: toy-question
            kind: toy_event
            text: How likely is a second referral within 6 months?
            outcome: {value: true, known_at: 2024-05-01}
"""


@pytest.fixture
def toy_kind():
    """A new kind of question, added here and nowhere else."""
    kind = kinds.register(
        QuestionKind(
            value=TOY,
            label="Chance of an event (toy)",
            answer=AnswerShape.PROBABILITY,
            bank_fields=frozenset({kinds.EARLIER}),
            template="forecasts/includes/question_binary.html",
            scoring=Scoring.EVENT,
            outcome=Outcome.YES_NO,
            hint="Toy hint: a whole number from 1 to 99.",
        )
    )
    yield kind
    kinds.unregister(TOY)


# --- the registry itself ----------------------------------------------------------------


def test_model_choices_are_the_registered_kinds_in_order():
    assert Question.Kind.choices == kinds.choices()
    assert Question._meta.get_field("kind").choices == kinds.choices()


def test_every_kind_declares_a_template_that_exists():
    from django.template.loader import get_template

    for kind in kinds.registered():
        assert get_template(kind.template), kind.value


def test_registering_a_kind_twice_is_refused():
    with pytest.raises(ValueError, match="'binary' is already registered"):
        kinds.register(kinds.BINARY)


def test_an_unknown_kind_is_named_in_the_error():
    with pytest.raises(kinds.UnknownKind, match="horoscope"):
        kinds.get("horoscope")
    assert kinds.find("horoscope") is None
    assert kinds.find(["binary"]) is None


def test_forecast_kinds_are_the_scored_ones():
    assert kinds.forecast_values() == ["binary", "multiple_choice", "ordered", "numeric"]
    assert kinds.other_values() == ["decision", "rationale"]
    assert kinds.values_with_outcome() == [
        "binary",
        "multiple_choice",
        "ordered",
        "numeric",
        "decision",
    ]


def test_data_dictionary_wording_of_the_scored_kinds():
    scored = [kind for kind in kinds.registered() if kind.is_forecast]
    assert kinds.describe(scored) == "binary (yes/no), multiple_choice, ordered or numeric"


# --- a toy kind flows through parsing, bank files, the page, storage and scoring ---------


def test_toy_kind_is_parsed_by_its_answer_shape(toy_kind):
    spec = QuestionSpec("q1", TOY)

    assert parse_answer(spec, {"q1": "30"}) == Answer("q1", probability_pct=30)
    [error] = parse_answer(spec, {"q1": "100"})
    assert isinstance(error, FieldError) and error.field == "q1"
    assert "0% and 100% are not allowed" in error.message


@pytest.mark.django_db
def test_toy_kind_imports_from_a_bank_and_exports_back(toy_kind, study):
    report = bank_import(study=study, text=TOY_BANK, filename="toy.yaml")

    assert report.ok, [str(p) for p in report.problems]
    question = Question.objects.get(key="toy-question")
    assert question.kind == TOY and question.outcome_binary is True
    assert question.is_forecast
    exported = yaml.safe_load(bank_export(study=study, fmt="yaml"))
    [exported_question] = exported["vignettes"][0]["stages"][0]["questions"]
    assert exported_question["kind"] == TOY
    assert exported_question["outcome"] == {"value": True, "known_at": dt.date(2024, 5, 1)}
    csv_text = bank_export(study=study, fmt="csv")
    assert ",toy-question,toy_event," in csv_text
    assert ",yes,2024-05-01," in csv_text
    again = bank_import(study=study, text=csv_text, filename="toy.csv")
    assert again.ok and not again.changed


@pytest.mark.django_db
def test_toy_kind_rejects_fields_it_does_not_declare(toy_kind, study):
    text = TOY_BANK.replace(
        "outcome: {value: true, known_at: 2024-05-01}", "options: [Yes, No]"
    ).replace("key: toy-case", "key: toy-case-2")

    report = bank_import(study=study, text=text, filename="toy.yaml")

    assert not report.ok
    [problem] = report.problems
    assert problem.reason == (
        "toy_event questions do not take 'options'; only multiple_choice, ordered, "
        "decision questions do"
    )
    assert not Vignette.objects.filter(key="toy-case-2").exists()


@pytest.mark.django_db
def test_toy_kind_is_drawn_stored_and_scored(
    toy_kind, study, participant_ready, django_capture_on_commit_callbacks
):
    assert bank_import(study=study, text=TOY_BANK, filename="toy.yaml").ok
    plan(phase(study, 1), Vignette.objects.get(study=study, key="toy-case"))
    assignment = start_case(participant_ready, study)
    client = Client()
    client.force_login(participant_ready.user)
    question = Question.objects.get(key="toy-question")

    page = client.get(reverse("forecasts:stage", args=[assignment.pk, 1]))

    assert page.status_code == 200
    assert f'name="q{question.pk}"' in page.content.decode()
    assert "Toy hint: a whole number from 1 to 99." in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        result = services.stage_submit(
            assignment=assignment,
            stage=question.stage,
            answers={f"q{question.pk}": "30"},
            idempotency_key=uuid.uuid4(),
        )

    assert result.ok
    forecast = Forecast.objects.get(question=question)
    assert forecast.probability_pct == 30
    score = ForecastScore.objects.get(forecast=forecast)
    assert score.kind == TOY
    # The outcome happened: Brier (0.3 - 1)^2 = 0.49.
    assert score.brier == pytest.approx(0.49)

    # ...and exported: its answer in forecasts.csv, its kind named in the data dictionary.
    [header, *rows] = forecast_export_rows(study=study)
    exported = [dict(zip(header, row, strict=True)) for row in rows]
    assert [(r["kind"], r["probability"]) for r in exported] == [(TOY, "0.3")]
    dictionary = {(r[0], r[1]): r[3] for r in data_dictionary_rows(study=study)}
    assert dictionary["scores.csv", "kind"] == (
        "binary (yes/no), multiple_choice, ordered, numeric or toy_event"
    )
    assert TOY in dictionary["forecasts.csv", "kind"]


@pytest.mark.django_db
def test_export_answer_columns_read_the_forecast_fields_the_registry_names(study):
    for shape, fields in kinds.ANSWER_COLUMNS.items():
        kind = dataclasses.replace(kinds.BINARY, value="any", answer=shape)
        columns = export_kinds.answer_columns(study, kinds=[kind], forecast="")
        # A decision's label is looked up by its question.
        read = {path for column in columns for path in column.reads} - {"question_id"}
        assert read == set(fields), shape


# --- the researchers' documentation lists what the registry declares ---------------------


def _documented_kinds() -> dict[str, set[str]]:
    """The kinds table of docs/vignette-format.md: kind → its extra fields."""
    text = (Path(__file__).parents[2] / "docs" / "vignette-format.md").read_text()
    table = text.split("| `kind` | participant answers | extra fields |", 1)[1]
    rows: dict[str, set[str]] = {}
    for line in table.splitlines()[2:]:
        if not line.startswith("|"):
            break
        kind, _, fields = (cell.strip() for cell in line.strip("|").split("|"))
        rows[kind.strip("`")] = set(re.findall(r"`([a-z_]+)`", fields))
    return rows


def test_vignette_format_doc_lists_every_kind_with_its_bank_fields():
    documented = _documented_kinds()

    assert list(documented) == kinds.values()
    for kind in kinds.registered():
        assert documented[kind.value] == set(kind.bank_fields), kind.value
