"""Columns and rules more than one export file shares.

- who may be exported (`analysable`);
- the participant's identity: pseudonym, arm and council (all three files);
- the case and question a forecast belongs to, and the flags saying which forecasts
  count (scores.csv and forecasts.csv, whose rows are both an `AnswerRow`).
"""

from __future__ import annotations

from collections.abc import Iterable
from operator import attrgetter
from typing import Any

from django.db.models import QuerySet

from casecast.forecasts.models import Forecast
from casecast.resolution.exports.columns import (
    YES_NO,
    Column,
    ColumnType,
    Field,
    PseudonymOf,
    Row,
    blank,
    flag,
)
from casecast.resolution.exports.fetch import postgresql_rows
from casecast.studies.blinding import arm_labels, is_blinded
from casecast.studies.models import Arm, Study
from casecast.vignettes.models import Question


def analysable(rows: QuerySet[Any]) -> QuerySet[Any]:
    """Rows of participants whose data may be analysed: not erased, and not withdrawn
    without letting their data be kept (the rule the summaries use)."""
    return rows.filter(participant__erased_at__isnull=True).exclude(
        participant__withdrawn_at__isnull=False, participant__keep_data=False
    )


# --- who: every file -------------------------------------------------------------------


def pseudonym_column(*, participant_id: str) -> Column[Row]:
    return Column(
        "pseudonym",
        ColumnType.TEXT,
        "Participant pseudonym",
        "The participant's pseudonym (see (pseudonym))",
        PseudonymOf(participant_id),
    )


def blinded_arm_codes(*, study: Study, unblinded: bool = False) -> dict[str, str]:
    """Arm key -> code letter while the study is blinded; empty once unblinded (or before
    anyone is randomised). Exports carry the codes for everyone until unblinding, except
    the data monitoring committee's from the command line (`unblinded`, see
    `export_study --unblinded`)."""
    if not is_blinded(study=study, unblinded=unblinded):
        return {}
    labels = arm_labels(study=study)  # assigns any missing code
    return {
        key: labels[pk].removeprefix("Arm ")
        for pk, key in Arm.objects.filter(study=study).values_list("pk", "key")
    }


def arm_column(study: Study, *, arm_key: str, unblinded: bool = False) -> Column[Row]:
    """The arm's key (its code letter while blinded), blank until the study closes; arms
    named in the description and value labels (codes only while blinded)."""
    codes = blinded_arm_codes(study=study, unblinded=unblinded)
    if codes:
        letters = sorted(codes.values())
        return Column(
            "arm",
            ColumnType.TEXT,
            "Arm (coded while blinded)",
            "Code of the arm the participant was randomised to (A, B, …); empty if not "
            "randomised, and empty for everyone until the study closes (allocation "
            "concealment). The study is blinded: the codes are a random permutation and do "
            "not say which arm is which until the study is unblinded. Arms: "
            + "; ".join(f"{letter} = Arm {letter}" for letter in letters),
            Field(arm_key, lambda key: codes.get(key, key)),
            value_labels=tuple((letter, f"Arm {letter}") for letter in letters),
            concealed=True,
        )
    arms = sorted(
        Arm.objects.filter(study=study).values_list("key", "name", "is_control", "position"),
        key=lambda arm: (not arm[2], arm[3]),
    )
    labels = "; ".join(
        f"{key} = {name}{' (control)' if control else ''}" for key, name, control, _ in arms
    )
    return Column(
        "arm",
        ColumnType.TEXT,
        "Arm",
        "Arm key the participant was randomised to; empty if not randomised, and empty for "
        "everyone until the study closes (allocation concealment). Arms: "
        f"{labels or 'none yet'}",
        Field(arm_key),
        value_labels=tuple((key, name) for key, name, _, _ in arms),
        concealed=True,
    )


def council_column(*, council_id: str, description: str) -> Column[Row]:
    return Column(
        "council",
        ColumnType.TEXT,
        "Council pseudonym",
        description,
        PseudonymOf(council_id, kind="council"),
    )


TEAM_BLINDING = (
    "empty for everyone until the study closes (allocation concealment) and while it is "
    "blinded (only team arms have teams, so it would say which code is the team arm)"
)


def team_column(study: Study, *, team_id: str, unblinded: bool = False) -> Column[Row]:
    """The team's pseudonym (team arms, docs/teams.md), keyed like the participant's.
    Concealed like the arm, and blank while blinded: only team arms have teams, so a
    team id beside a coded arm would tell which code is the team arm."""
    blinded = is_blinded(study=study, unblinded=unblinded)
    return Column(
        "team_id",
        ColumnType.TEXT,
        "Team pseudonym",
        f"Pseudonym of the participant's team in a team arm; empty for an arm of "
        f"individuals, and {TEAM_BLINDING}",
        blank if blinded else PseudonymOf(team_id, kind="team"),
        concealed=True,
    )


def seen_team_column(study: Study, *, unblinded: bool = False) -> Column[Row]:
    """Whether an answer came after its author opened the team panel; blank while blinded
    for the reason `team_column` gives."""
    blinded = is_blinded(study=study, unblinded=unblinded)
    return Column(
        "seen_team",
        ColumnType.FLAG,
        "Made after seeing the team's forecasts",
        "Team arms: 1 if the participant had opened their team's forecasts on an earlier "
        f"asking of this question before giving this answer, else 0; {TEAM_BLINDING}",
        blank if blinded else Field("seen_team"),
        value_labels=YES_NO,
        concealed=True,
    )


def _outcome_label(row: Any) -> str | None:
    if row.db["outcome_binary"] is not None:
        return "Yes" if row.db["outcome_binary"] else "No"
    index = row.db["outcome_category"]
    if index is not None and index < len(row.options):
        return str(row.options[index])
    return None


def outcome_label_column() -> Column[Any]:
    """The outcome in words (`questions` and `outcomes`): for a row class whose `options`
    are the question's option labels."""
    return Column(
        "outcome_label",
        ColumnType.TEXT,
        "Outcome as a label",
        "The outcome as words: Yes or No, or the option's label",
        _outcome_label,
        reads=("outcome_binary", "outcome_category"),
        free_text=True,
    )


def phase_column(study: Study, *, position: str) -> Column[Row]:
    phases = list(study.phases.order_by("position").values_list("position", "name"))
    labels = "; ".join(f"{position} = {name}" for position, name in phases)
    return Column(
        "phase",
        ColumnType.INTEGER,
        "Phase (1 = first)",
        f"Phase position (1 = first). Phases: {labels or 'none yet'}",
        Field(position),
        value_labels=tuple(phases),
    )


# --- which case, question and flags: scores.csv and forecasts.csv -----------------------


class AnswerRow(Row):
    """A row about one submitted answer: the flags both answer files show, which each
    file works out from its own query."""

    __slots__ = ("after_randomisation", "counted", "is_last", "is_retest", "is_update", "primary")
    is_update: bool
    is_retest: bool
    is_last: bool
    counted: bool
    after_randomisation: bool
    primary: bool


def case_columns(study: Study, *, forecast: str, unblinded: bool = False) -> list[Column[Row]]:
    """The answer's id, who gave it, and in which case and phase. `forecast` is the path
    from the query's model to the Forecast ("" when the query is over forecasts)."""
    return [
        Column(
            "forecast_id",
            ColumnType.INTEGER,
            "Answer (forecast) id",
            "Row id of the answer, the same in scores.csv and forecasts.csv (join on it)",
            Field(f"{forecast}id"),
        ),
        pseudonym_column(participant_id="participant_id"),
        arm_column(study, arm_key="participant__arm__key", unblinded=unblinded),
        council_column(
            council_id="participant__council_id",
            description="Pseudonym of the participant's council (cluster): HMAC-SHA256 of "
            "'council:<id>' with the study's key; empty if none",
        ),
        Column(
            "vignette",
            ColumnType.TEXT,
            "Vignette (case) key",
            "Vignette (case) key",
            Field("question__version__vignette__key"),
        ),
        Column(
            "vignette_version",
            ColumnType.INTEGER,
            "Vignette version",
            "Version of the vignette the participant saw",
            Field("question__version__number"),
        ),
        phase_column(study, position=f"{forecast}assignment__phase__position"),
    ]


def after_randomisation_column(description: str) -> Column[AnswerRow]:
    return flag(
        "after_randomisation",
        "Made in or after the phase randomised before",
        description,
        attrgetter("after_randomisation"),
    )


def question_columns() -> list[Column[Row]]:
    return [
        Column(
            "question_id",
            ColumnType.INTEGER,
            "Question id (one vignette version's question)",
            "Row id of the question in one version of the vignette: unique in the study, "
            "the key of questions.csv (join on it)",
            Field("question_id"),
        ),
        Column(
            "question",
            ColumnType.TEXT,
            "Question key",
            "Question key (the same in every vignette version)",
            Field("question__key"),
        ),
        Column(
            "stage",
            ColumnType.INTEGER,
            "Stage of the case (1 = first)",
            "Stage (part) of the case, 1 = first",
            Field("question__stage__position"),
        ),
    ]


def flag_columns() -> list[Column[AnswerRow]]:
    return [
        flag(
            "is_update",
            "Updates an earlier stage's forecast",
            "1 if the question repeats a forecast asked at an earlier stage of the same "
            "case (the participant updates it), else 0",
            attrgetter("is_update"),
        ),
        flag(
            "is_retest",
            "Made in a test-retest repeat",
            "1 if made in a test-retest repeat of a case, else 0",
            attrgetter("is_retest"),
        ),
        flag(
            "is_last",
            "Last answer to the question in the case",
            "1 if the participant's last answer to the question in this case (latest "
            "submitted_at, ties by the higher forecast_id), else 0",
            attrgetter("is_last"),
        ),
        flag(
            "counted",
            "Counted in summaries (last, not a retest)",
            "is_last = 1 and is_retest = 0: the answer summaries use. Filter on it for "
            "every analysis except updating and test-retest reliability",
            attrgetter("counted"),
        ),
    ]


def primary_column() -> Column[AnswerRow]:
    return flag(
        "primary",
        "Enters the primary outcome",
        "1 if the row enters the primary outcome on the results page: counted = 1, a "
        "yes/no question with a score, after_randomisation = 1 and the participant has "
        "an arm. Each arm's mean primary Brier is the mean over its participants of each "
        "participant's mean brier over their rows with primary = 1",
        attrgetter("primary"),
    )


# --- a decision and the probability question it relates to: scores.csv and forecasts.csv --


LINKED = ("linked_question_id", "linked_forecast_id")


# `LinkedAnswers._latest_answers`' ORM query as PostgreSQL runs it fastest.
_LATEST_SQL = (
    f"SELECT assignment_id, question_id, id FROM {Forecast._meta.db_table} "
    "WHERE assignment_id = ANY(%s) AND question_id = ANY(%s) "
    "ORDER BY assignment_id, question_id, submitted_at DESC, id DESC"
)


class LinkedAnswers:
    """Fills the fields `linked_columns` read (`LINKED`) into a file's rows, a chunk of
    rows at a time, for rows that read `question_id`, `question__relates_to_id` and the
    case's `{forecast}assignment_id` (`forecast` = "" for rows of forecasts,
    "forecast__" for rows that have one).

    The question linked to an answer's question is, for a decision, the probability question
    it relates to (`Question.relates_to`); for a question a decision relates to, that decision
    (the first by stage and position if several do; questions.csv lists every link). The
    linked answer is the same participant's last answer to it in the same case (assignment;
    latest `submitted_at`, ties by the higher id).

    Two small queries a chunk at most (questions are looked up once per export), rather
    than correlated subqueries in the file's query: those ran once per row, and their cost
    estimate alone made PostgreSQL JIT-compile the query (seconds; docs/performance.md).
    """

    def __init__(self, *, forecast: str) -> None:
        self.assignment = f"{forecast}assignment_id"
        self.first_decision: dict[int, int | None] = {}

    def fill(self, rows: list[dict[str, Any]]) -> None:
        self._first_decisions({row["question_id"] for row in rows} - self.first_decision.keys())
        for row in rows:
            row["linked_question_id"] = (
                row["question__relates_to_id"]
                if row["question__relates_to_id"] is not None
                else self.first_decision[row["question_id"]]
            )
        latest = self._latest_answers(rows)
        for row in rows:
            row["linked_forecast_id"] = latest.get(
                (row[self.assignment], row["linked_question_id"])
            )

    def _first_decisions(self, question_ids: set[int]) -> None:
        if not question_ids:  # every question of the chunk was looked up before
            return
        self.first_decision.update(dict.fromkeys(question_ids))
        decisions = (
            Question.objects.filter(relates_to_id__in=question_ids)
            .order_by("relates_to_id", "stage__position", "position", "pk")
            .values_list("relates_to_id", "pk")
        )
        for relates_to, pk in decisions:
            if self.first_decision[relates_to] is None:
                self.first_decision[relates_to] = pk

    def _latest_answers(self, rows: list[dict[str, Any]]) -> dict[tuple[int, int], int]:
        pairs = {
            (row[self.assignment], row["linked_question_id"])
            for row in rows
            if row["linked_question_id"] is not None and row[self.assignment] is not None
        }
        latest: dict[tuple[int, int], int] = {}
        if not pairs:
            return latest
        assignments = list({assignment for assignment, _ in pairs})
        questions = list({question for _, question in pairs})
        answers: Iterable[tuple[Any, ...]] | None = postgresql_rows(
            Forecast, _LATEST_SQL, [assignments, questions]
        )
        if answers is None:
            answers = (
                Forecast.objects.filter(assignment_id__in=assignments, question_id__in=questions)
                .order_by("assignment_id", "question_id", "-submitted_at", "-pk")
                .values_list("assignment_id", "question_id", "pk")
            )
        for assignment, question, pk in answers:
            latest.setdefault((assignment, question), pk)
        return latest


def linked_columns() -> list[Column[Row]]:
    """Pair a decision with the same participant's linked probability forecast."""
    return [
        Column(
            "linked_question_id",
            ColumnType.INTEGER,
            "Linked question: decision <-> its probability question",
            "For a decision: question_id of the probability question it relates to; for a "
            "probability question a decision relates to: that decision's question_id (the "
            "first by stage and position if several do; questions.csv relates_to_id lists "
            "every link); empty otherwise",
            Field("linked_question_id"),
        ),
        Column(
            "linked_forecast_id",
            ColumnType.INTEGER,
            "Linked answer: the same participant's answer to it",
            "forecast_id of the same participant's last answer to linked_question_id in the "
            "same case (join on forecasts.csv forecast_id to pair a decision with its "
            "probability forecast, or scores.csv forecast_id for that forecast's scores); "
            "empty if they did not answer it",
            Field("linked_forecast_id"),
        ),
    ]
