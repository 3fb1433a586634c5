"""A malformed bank names each problem by file, place, field and reason — and stores nothing.

Each file below also carries a valid new vignette and a change to the stored
one, so "nothing stored" is a real check: a partial import would add or change
something.
"""

from __future__ import annotations

import json
import textwrap

import pytest
from casecast.vignettes.bank import bank_export, bank_import

from tests.vignettes.conftest import content_counts

VALID_NEW_VIGNETTE = """\
  - key: brand-new
    title: A valid new case
    stages:
      - title: Referral
        body: Valid text.
"""


def yaml_bank(questions: str, *, extra_vignette: str = VALID_NEW_VIGNETTE) -> str:
    """A bank whose first vignette is "case-a" with the given stage-1 questions.

    Line 8 is the first line of `questions`.
    """
    head = textwrap.dedent("""\
        vignettes:
          - key: case-a
            title: Case A
            stages:
              - title: Referral
                body: Some text.
                questions:
        """)
    body = textwrap.indent(textwrap.dedent(questions), " " * 10)
    return head + body + extra_vignette


def problems_after_import(
    study, text: str, filename: str = "bank.yaml"
) -> list[tuple[str, str, str]]:
    before = content_counts()
    report = bank_import(study=study, text=text, filename=filename)
    assert not report.ok
    assert content_counts() == before, "nothing may be stored when a file has problems"
    assert not report.actions
    return [(p.location, p.field, p.reason) for p in report.problems]


@pytest.fixture
def stored(staged_vignette):
    return staged_vignette.study


def test_bad_yaml_syntax_names_the_line(stored):
    text = "vignettes:\n  - key: a\n    title: [unclosed\n    stages: []\n"

    problems = problems_after_import(stored, text)

    assert problems == [
        (
            "line 4",
            "",
            "could not read the YAML: did not find expected ',' or ']' "
            "(while parsing a flow sequence on line 3)",
        )
    ]


def test_unknown_field_is_reported_with_its_line_and_a_suggestion(stored):
    text = yaml_bank("""\
        - key: q1
          kind: binary
          text: Will it happen?
          bse_rate: 0.2
        """)

    [(location, field, reason)] = problems_after_import(stored, text)

    assert (location, field) == ("line 11", "vignettes[0].stages[0].questions[0].bse_rate")
    assert reason.startswith("unknown field (did you mean 'base_rate'?)")


def test_wrong_type_is_reported(stored):
    text = yaml_bank("""\
        - key: q1
          kind: binary
          text: Will it happen?
          required: sometimes
        """)

    assert problems_after_import(stored, text) == [
        (
            "line 11",
            "vignettes[0].stages[0].questions[0].required",
            "must be true or false, not the text 'sometimes'",
        )
    ]


def test_missing_required_field_points_at_the_question(stored):
    text = yaml_bank("""\
        - key: q1
          kind: binary
        """)

    assert problems_after_import(stored, text) == [
        ("line 8", "vignettes[0].stages[0].questions[0].text", "required field is missing"),
    ]


def test_duplicate_question_keys_are_reported(stored):
    text = yaml_bank("""\
        - {key: q1, kind: binary, text: First?}
        - {key: q1, kind: binary, text: Second?}
        """)

    assert problems_after_import(stored, text) == [
        (
            "line 9",
            "vignettes[0].stages[0].questions[1].key",
            "'q1' is already used by vignettes[0].stages[0].questions[0] "
            "(question keys must be unique within a vignette)",
        )
    ]


def test_duplicate_vignette_keys_are_reported(stored):
    text = yaml_bank(
        "- {key: q1, kind: binary, text: First?}\n",
        extra_vignette=VALID_NEW_VIGNETTE + VALID_NEW_VIGNETTE,
    )

    assert problems_after_import(stored, text) == [
        ("line 14", "vignettes[2].key", "'brand-new' is already used by vignettes[1]"),
    ]


def test_duplicate_field_in_one_mapping_is_reported(stored):
    text = yaml_bank("""\
        - key: q1
          kind: binary
          text: First?
          text: Second?
        """)

    assert problems_after_import(stored, text) == [
        (
            "line 11",
            "vignettes[0].stages[0].questions[0].text",
            "this field appears twice in the same mapping",
        )
    ]


@pytest.mark.parametrize(
    ("question", "field", "reason"),
    [
        (
            "{key: q1, kind: binary, text: Will it?, options: [Yes, No]}",
            "options",
            "binary questions do not take 'options'; only multiple_choice, ordered, decision "
            "questions do",
        ),
        (
            "{key: q1, kind: multiple_choice, text: Which?}",
            "options",
            "required field is missing: multiple_choice questions list at least 2 options",
        ),
        (
            "{key: q1, kind: ordered, text: Which?, options: [low]}",
            "options",
            "must list at least 2 options",
        ),
        (
            "{key: q1, kind: numeric, text: How many?}",
            "numeric_format",
            "required field is missing: numeric questions are answered as quantiles or interval",
        ),
        (
            "{key: q1, kind: numeric, text: How many?, numeric_format: interval}",
            "interval_confidence",
            "required field is missing: an interval states its confidence, e.g. 90",
        ),
        (
            "{key: q1, kind: numeric, text: How many?, numeric_format: interval, "
            "interval_confidence: 100}",
            "interval_confidence",
            "must be between 1 and 99",
        ),
        (
            "{key: q1, kind: guess, text: What?}",
            "kind",
            "must be one of: binary, multiple_choice, ordered, numeric, decision, rationale",
        ),
    ],
)
def test_fields_must_match_the_kind(stored, question, field, reason):
    text = yaml_bank(f"- {question}\n")

    [(location, reported_field, reported_reason)] = problems_after_import(stored, text)

    assert location == "line 8"
    assert reported_field == f"vignettes[0].stages[0].questions[0].{field}"
    assert reported_reason == reason


def test_decision_must_relate_to_an_existing_forecast_at_the_same_or_earlier_stage(stored):
    text = yaml_bank(
        """\
        - {key: d1, kind: decision, text: Do what?, relates_to: later-q}
        - {key: d2, kind: decision, text: Do what?, relates_to: missing-q}
        - {key: d3, kind: decision, text: Do what?}
        """,
        extra_vignette="""\
      - title: Later
        body: More text.
        questions:
          - {key: later-q, kind: binary, text: Later?}
""",
    )

    assert problems_after_import(stored, text) == [
        (
            "line 10",
            "vignettes[0].stages[0].questions[2].relates_to",
            "required field is missing: a decision names the forecast question it relates to",
        ),
        (
            "line 8",
            "vignettes[0].stages[0].questions[0].relates_to",
            "'later-q' is asked at a later stage; it must be at the same or an earlier stage",
        ),
        (
            "line 9",
            "vignettes[0].stages[0].questions[1].relates_to",
            "no question with key 'missing-q' in this vignette",
        ),
    ]


def test_earlier_must_name_the_same_kind_at_an_earlier_stage(stored):
    text = yaml_bank(
        """\
        - {key: first, kind: binary, text: Will it?}
        - {key: same-stage, kind: binary, text: Will it?, earlier: first}
        """,
        extra_vignette="""\
      - title: Later
        body: More text.
        questions:
          - {key: other-kind, kind: ordered, text: Which?, options: [a, b], earlier: first}
""",
    )

    assert problems_after_import(stored, text) == [
        (
            "line 9",
            "vignettes[0].stages[0].questions[1].earlier",
            "'first' must be asked at an earlier stage than this question",
        ),
        (
            "line 13",
            "vignettes[0].stages[1].questions[0].earlier",
            "'first' is a binary question; the same forecast asked again must be ordered too",
        ),
    ]


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        (
            "{key: q, kind: binary, text: Will it?, outcome: {value: maybe}}",
            "a binary outcome must be true or false, not the text 'maybe'",
        ),
        (
            "{key: q, kind: ordered, text: Which?, options: [low, high], outcome: {value: medium}}",
            "'medium' is not one of the options; give an option's label or its position counting "
            "from 0 (0 to 1)",
        ),
        (
            "{key: q, kind: multiple_choice, text: Which?, options: [a, b], outcome: {value: 2}}",
            "2 is not one of the options; give an option's label or its position counting "
            "from 0 (0 to 1)",
        ),
        (
            "{key: q, kind: numeric, text: How many?, numeric_format: quantiles, "
            "outcome: {value: lots}}",
            "a numeric outcome must be a number, not the text 'lots'",
        ),
    ],
)
def test_outcome_must_be_valid_for_the_kind(stored, question, reason):
    text = yaml_bank(f"- {question}\n")

    assert problems_after_import(stored, text) == [
        ("line 8", "vignettes[0].stages[0].questions[0].outcome.value", reason),
    ]


def test_rationale_has_no_outcome_and_dates_must_be_dates(stored):
    text = yaml_bank("""\
        - key: why
          kind: rationale
          text: Why?
          outcome: {value: true}
        - key: q
          kind: binary
          text: Will it?
          outcome: {value: true, known_at: next week}
        """)

    assert problems_after_import(stored, text) == [
        (
            "line 11",
            "vignettes[0].stages[0].questions[0].outcome",
            "rationale questions have no outcome",
        ),
        (
            "line 15",
            "vignettes[0].stages[0].questions[1].outcome.known_at",
            "must be a date written YYYY-MM-DD, not 'next week'",
        ),
    ]


def test_base_rate_out_of_range(stored):
    text = yaml_bank("- {key: q1, kind: binary, text: Will it?, base_rate: 35}\n")

    assert problems_after_import(stored, text) == [
        ("line 8", "vignettes[0].stages[0].questions[0].base_rate", "must be between 0 and 1"),
    ]


def test_vignette_level_checks_tags_family_and_bodies(stored):
    text = textwrap.dedent("""\
        vignettes:
          - key: case-a
            title: Case A
            tags: neglect
            family:
              - {name: Amy, age: 4, relationship: Child, school: Oak}
            source: anonymised
            stages:
              - title: Referral
                body: "   "
        """)

    assert problems_after_import(stored, text) == [
        ("line 4", "vignettes[0].tags", "must be a list of text, not the text 'neglect'"),
        (
            "line 6",
            "vignettes[0].family[0].school",
            "unknown field; allowed here: age, name, notes, relationship",
        ),
        (
            "line 2",
            "vignettes[0].source_note",
            "an anonymised case must say which local authority it came from and under which "
            "agreement",
        ),
        ("line 10", "vignettes[0].stages[0].body", "must not be empty"),
    ]


def test_every_problem_is_reported_not_just_the_first(stored):
    text = yaml_bank("""\
        - {key: q1, kind: binary, text: Will it?, base_rate: 2}
        - {key: q2, kind: ordered, text: Which?}
        - {key: q3, kind: binary}
        """)

    assert len(problems_after_import(stored, text)) == 3


def test_json_problems_are_named_by_json_pointer(stored):
    document = json.loads(bank_export(study=stored, fmt="json"))
    document["vignettes"][0]["stages"][1]["questions"][0]["kind"] = "probability"
    document["vignettes"].append({"key": "brand-new", "title": "New", "stages": []})

    report = bank_import(study=stored, text=json.dumps(document), filename="bank.json")

    assert [str(problem) for problem in report.problems] == [
        "bank.json, /vignettes/0/stages/1/questions/0/kind: vignettes[0].stages[1].questions[0]"
        ".kind: must be one of: binary, multiple_choice, ordered, numeric, decision, rationale",
        "bank.json, /vignettes/1/stages: vignettes[1].stages: must list at least one stage",
    ]


def test_json_syntax_error_gives_line_and_column(stored):
    problems = problems_after_import(stored, '{"vignettes": [\n  {"key": "a",}\n]}', "bank.json")

    assert problems == [
        (
            "line 2, column 15",
            "",
            "could not read the JSON: Expecting property name enclosed in double quotes",
        ),
    ]


def test_unknown_file_type_is_refused(stored):
    assert problems_after_import(stored, "anything", "bank.xlsx") == [
        ("", "", "unknown file type: use a .yaml, .yml, .json or .csv file"),
    ]


def test_empty_yaml_file_is_a_problem(stored):
    assert problems_after_import(stored, "# nothing here\n") == [
        ("line 1", "", "the file is empty"),
    ]


# --- CSV --------------------------------------------------------------------------------


def csv_text(stored, *rows: str, header: str | None = None) -> str:
    exported = bank_export(study=stored, fmt="csv").splitlines()
    return "\n".join([header or exported[0], *exported[1:], *rows]) + "\n"


def test_csv_unknown_and_missing_columns(stored):
    text = "vignette,stage,key,kind,txt\nstaged-case,1,new-q,binary,Will it?\n"

    assert problems_after_import(stored, text, "questions.csv") == [
        (
            "row 1, column 5",
            "txt",
            "unknown column; the columns are: vignette, stage, key, kind, "
            "text, help_text, required, options, numeric_format, interval_confidence, unit, "
            "confidence_scale, relates_to, earlier, base_rate, base_rate_note, outcome, "
            "outcome_known_at, outcome_source",
        ),
        ("row 1", "text", "required column is missing"),
    ]


def test_csv_row_problems_name_row_and_column(stored):
    text = csv_text(
        stored,
        "staged-case,9,late-q,binary,Will it?" + "," * 14,
        "unknown-case,1,new-q,binary,Will it?" + "," * 14,
        "staged-case,1,rate-q,binary,Will it?,,,,,,,,,,lots" + "," * 4,
        "staged-case,1,pick-q,ordered,Which?,,,low | high,,,,,,,,,medium,,",
    )

    assert problems_after_import(stored, text, "questions.csv") == [
        (
            "row 10, column stage",
            "stage",
            "must be a stage number from 1 to 3 for vignette 'staged-case', not '9'",
        ),
        (
            "row 11, column vignette",
            "vignette",
            "no vignette 'unknown-case' in this study; import its stages from a YAML or JSON bank "
            "first",
        ),
        (
            "row 12, column base_rate",
            "vignettes[0].stages[0].questions[3].base_rate",
            "must be a number, not 'lots'",
        ),
    ]


def test_csv_validation_problems_point_at_row_and_column(stored):
    text = csv_text(stored, "staged-case,1,pick-q,ordered,Which?,,,low | high,,,,,,,,,medium,,")

    assert problems_after_import(stored, text, "questions.csv") == [
        (
            "row 10, column outcome",
            "vignettes[0].stages[0].questions[3].outcome.value",
            "'medium' is not one of the options; give an option's label or its position counting "
            "from 0 (0 to 1)",
        ),
    ]
