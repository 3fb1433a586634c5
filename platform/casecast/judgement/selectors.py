"""Reads for the judgement-insight pages: a study's forecasts as arrays, in a fixed
number of queries whatever its size.

What is read (docs/insights.md, "Which forecasts"):

- each analysable participant's **final** forecast on each yes/no question (the last
  one submitted in its case, as the scoring pipeline's `is_last`), test–retest repeats
  apart; participants who were erased, or who withdrew without letting their data be
  kept, are left out (the rule of the summaries and exports);
- a question is identified across vignette versions by its vignette and key (a new
  version keeps its question keys), so a case revised mid-study stays one question;
- decisions paired with the same participant's final forecast on the question they
  relate to (`Question.relates_to`); staged updates paired through `Question.earlier`;
  repeats (`Assignment.is_retest`) paired with the participant's first answer.

Five small queries (questions, participants, arm labels, councils, phases) and two
columnar reads (`resolution.bulk`): the forecasts and the cases they were given in.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db.models import Count, F, Max, Window
from django.db.models.functions import RowNumber

from casecast.forecasts.models import Assignment, Forecast
from casecast.resolution import bulk
from casecast.resolution.selectors import after_randomisation_by_phase
from casecast.studies.blinding import arm_labels, is_blinded
from casecast.studies.models import Council, Participant, Study
from casecast.vignettes import kinds
from casecast.vignettes.models import Question

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Slot:
    """One question as researchers name it: a vignette and question key, any version."""

    index: int
    vignette_key: str
    key: str
    title: str  # the newest version's case title
    text: str  # the newest version's question text
    outcome: int  # 1 yes, 0 no, -1 not known yet or annulled
    options: tuple[str, ...]  # decision questions: their options, lowest level first


@dataclass(frozen=True, eq=False)
class Forecasts:
    """Yes/no forecasts, one row per participant and question slot."""

    participant: IntArray
    slot: IntArray
    p: FloatArray
    after: BoolArray  # made in or after the phase participants are randomised before
    arm: IntArray  # the participant's arm id, -1 if never randomised
    council: IntArray  # -1 without a council


@dataclass(frozen=True, eq=False)
class Decisions:
    """Decisions linked to the same participant's final forecast on the related question."""

    participant: IntArray
    slot: IntArray  # the slot of the forecast question the decision relates to
    decision_slot: IntArray
    level: IntArray  # index of the option chosen
    n_levels: IntArray  # how many options the decision question offers
    p: FloatArray  # the linked forecast
    arm: IntArray
    council: IntArray


@dataclass(frozen=True, eq=False)
class Updates:
    """A participant's final forecast at an earlier stage and on its later restatement."""

    participant: IntArray
    slot: IntArray  # the later question's slot
    before: FloatArray
    after: FloatArray
    y: IntArray  # the later question's outcome (-1 unknown)
    arm: IntArray


@dataclass(frozen=True, eq=False)
class Retests:
    """A participant's first answer to a case and their answer to its repeat."""

    participant: IntArray
    slot: IntArray
    first: FloatArray
    second: FloatArray
    first_decision: IntArray  # the linked decision's level, -1 without one
    second_decision: IntArray
    arm: IntArray


@dataclass(frozen=True, eq=False)
class InsightInputs:
    slots: tuple[Slot, ...]
    forecasts: Forecasts
    decisions: Decisions
    updates: Updates
    retests: Retests
    arms: dict[int, str]  # arm id -> the label this viewer may see
    councils: dict[int, str]
    blinded: bool


# --- questions and people ------------------------------------------------------------


def _probability_kinds() -> list[str]:
    return [
        value
        for value in kinds.values_scored_by(kinds.Scoring.EVENT)
        if value in kinds.values_answered_as(kinds.AnswerShape.PROBABILITY)
    ]


def _decision_kinds() -> list[str]:
    return [
        kind.value
        for kind in kinds.registered()
        if kind.answer == kinds.AnswerShape.CHOICE and not kind.is_forecast
    ]


_QUESTION_FIELDS = (
    "pk",
    "kind",
    "key",
    "version__vignette_id",
    "version__vignette__key",
    "version__number",
    "version__title",
    "text",
    "options",
    "outcome_binary",
    "annulled",
    "earlier_id",
    "relates_to_id",
)


@dataclass(frozen=True)
class _Questions:
    slots: tuple[Slot, ...]
    slot_of: dict[int, int]  # question id -> slot index
    is_decision: dict[int, bool]
    earlier: dict[int, int]  # question id -> the earlier question's id
    relates_to: dict[int, int]  # decision question id -> forecast question id


def _question_rows(study: Study) -> list[tuple[Any, ...]]:
    return list(
        Question.objects.filter(
            version__vignette__study=study, kind__in=_probability_kinds() + _decision_kinds()
        )
        .order_by("version__vignette__key", "stage__position", "position", "version__number")
        .values_list(*_QUESTION_FIELDS)
    )


def _questions(rows: list[tuple[Any, ...]]) -> _Questions:
    decision = set(_decision_kinds())
    newest: dict[tuple[int, str], tuple[Any, ...]] = {}
    order: list[tuple[int, str]] = []
    for row in rows:
        slot = (row[3], row[2])
        if slot not in newest:
            order.append(slot)
        if slot not in newest or row[5] >= newest[slot][5]:
            newest[slot] = row
    index = {slot: i for i, slot in enumerate(order)}
    slots = tuple(
        Slot(
            index=i,
            vignette_key=newest[slot][4],
            key=newest[slot][2],
            title=newest[slot][6],
            text=newest[slot][7],
            outcome=_outcome(newest[slot]),
            options=tuple(str(o) for o in (newest[slot][8] or ()))
            if newest[slot][1] in decision
            else (),
        )
        for i, slot in enumerate(order)
    )
    return _Questions(
        slots=slots,
        slot_of={row[0]: index[(row[3], row[2])] for row in rows},
        is_decision={row[0]: row[1] in decision for row in rows},
        earlier={row[0]: row[11] for row in rows if row[11] is not None},
        relates_to={row[0]: row[12] for row in rows if row[12] is not None},
    )


def _outcome(row: tuple[Any, ...]) -> int:
    if row[10] or row[9] is None:  # annulled, or not known yet
        return -1
    return 1 if row[9] else 0


def analysable_people(*, study: Study) -> dict[int, tuple[int, int]]:
    """participant id -> (arm id, council id), -1 for none; erased participants and those
    who withdrew without letting their data be kept are left out."""
    rows = Participant.objects.filter(study=study).values_list(
        "pk", "arm_id", "council_id", "withdrawn_at", "keep_data", "erased_at"
    )
    return {
        pk: (arm if arm is not None else -1, council if council is not None else -1)
        for pk, arm, council, withdrawn, keep, erased in rows
        if erased is None and not (withdrawn is not None and keep is False)
    }


# --- forecasts -----------------------------------------------------------------------


def _forecast_columns(study: Study, question_ids: list[int]) -> dict[str, Any]:
    """Every forecast and decision on these questions (all of them this study's), with
    whether it is the last in its case, and its case's repeat flag and phase.

    The questions are named by id rather than joined, and the cases are read on their
    own: both joins cost more than the rest of the read at 200,000 rows.
    """
    spec = {
        "id": bulk.Column("pk"),
        "participant": bulk.Column("participant_id"),
        "question": bulk.Column("question_id"),
        "assignment": bulk.Column("assignment_id"),
        "recency": bulk.Column(
            Window(
                RowNumber(),
                partition_by=[F("participant_id"), F("assignment_id"), F("question_id")],
                order_by=[F("submitted_at").desc(), F("pk").desc()],
            )
        ),
        "pct": bulk.Column("probability_pct"),
        "decision": bulk.Column("decision"),
    }
    if not question_ids:  # an empty IN () is no SQL at all: nothing to read
        empty = np.zeros(0, dtype=np.int64)
        return {name: empty for name in (*spec, "retest", "phase")}
    c = bulk.read_columns(Forecast.objects.filter(question_id__in=question_ids), spec)
    cases = bulk.read_columns(
        Assignment.objects.filter(participant__study=study),
        {
            "id": bulk.Column("pk"),
            "retest": bulk.Column("is_retest", "bool"),
            "phase": bulk.Column("phase_id"),
        },
    )
    # Every forecast's case is one of the study's (no forecast without one, so with no
    # cases there are no forecasts and nothing to look up).
    order = np.argsort(cases["id"])
    at = order[np.searchsorted(cases["id"][order], c["assignment"])]
    c["retest"], c["phase"] = cases["retest"][at], cases["phase"][at]
    return c


def _latest(keys: IntArray, ids: IntArray) -> IntArray:
    """Row indices keeping, for each key, the row with the highest forecast id (the
    latest submitted), sorted by key."""
    order = np.lexsort((-ids, keys))
    first = np.ones(order.shape[0], dtype=bool)
    first[1:] = keys[order][1:] != keys[order][:-1]
    out: IntArray = order[first]
    return out


def _lookup(keys: IntArray, wanted: IntArray) -> IntArray:
    """Position of each wanted key in the sorted array `keys`, -1 where absent."""
    if keys.shape[0] == 0:
        return np.full(wanted.shape[0], -1, dtype=np.int64)
    pos = np.minimum(np.searchsorted(keys, wanted), keys.shape[0] - 1)
    out: IntArray = np.where(keys[pos] == wanted, pos, -1).astype(np.int64)
    return out


def _map(values: IntArray, mapping: dict[int, int], default: int = -1) -> IntArray:
    if values.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    keys = np.fromiter(mapping.keys(), dtype=np.int64, count=len(mapping))
    vals = np.fromiter(mapping.values(), dtype=np.int64, count=len(mapping))
    order = np.argsort(keys)
    keys, vals = keys[order], vals[order]
    pos = _lookup(keys, values)
    return np.where(pos >= 0, vals[np.maximum(pos, 0)], default).astype(np.int64)


def insight_inputs(*, study: Study, role: str | None = None) -> InsightInputs:
    """The arrays every insight is computed from (see the module docstring)."""
    rows = _question_rows(study)
    questions = _questions(rows)
    people = analysable_people(study=study)
    c = _forecast_columns(study, [row[0] for row in rows])
    after_phase = after_randomisation_by_phase(study_id=study.pk)
    keep = (c["recency"] == 1) & np.isin(
        c["participant"], np.fromiter(people, dtype=np.int64, count=len(people))
    )
    c = {name: values[keep] for name, values in c.items()}
    who_arm = {pk: arm for pk, (arm, _) in people.items()}
    who_council = {pk: council for pk, (_, council) in people.items()}
    c["slot"] = _map(c["question"], questions.slot_of)
    c["arm"] = _map(c["participant"], who_arm)
    c["council"] = _map(c["participant"], who_council)
    c["after"] = _map(c["phase"], {k: int(v) for k, v in after_phase.items()}, 1).astype(bool)
    decision_ids = [q for q, is_d in questions.is_decision.items() if is_d]
    c["is_decision"] = np.isin(c["question"], np.array(decision_ids, dtype=np.int64))
    c["is_forecast"] = ~c["is_decision"] & (c["pct"] >= 0)
    n_slots = max(len(questions.slots), 1)
    forecasts = _forecasts(c, n_slots)
    decisions = _decisions(c, questions, n_slots)
    return InsightInputs(
        slots=questions.slots,
        forecasts=forecasts,
        decisions=decisions,
        updates=_updates(c, questions, n_slots),
        retests=_retests(c, questions, n_slots),
        arms=arm_labels(study=study, role=role),
        councils=dict(Council.objects.filter(study=study).values_list("pk", "name")),
        blinded=is_blinded(study=study, role=role),
    )


def _rows(c: dict[str, Any], mask: BoolArray, n_slots: int) -> tuple[IntArray, IntArray]:
    """The rows under `mask`, deduplicated to the latest per (participant, slot)."""
    rows = np.flatnonzero(mask)
    keys = c["participant"][rows] * n_slots + c["slot"][rows]
    chosen = rows[_latest(keys, c["id"][rows])]
    out: IntArray = chosen.astype(np.int64)
    return out, (c["participant"][chosen] * n_slots + c["slot"][chosen]).astype(np.int64)


def _forecasts(c: dict[str, Any], n_slots: int) -> Forecasts:
    rows, _ = _rows(c, c["is_forecast"] & (c["retest"] != 1), n_slots)
    return Forecasts(
        participant=c["participant"][rows],
        slot=c["slot"][rows],
        p=c["pct"][rows].astype(np.float64) / 100.0,
        after=c["after"][rows],
        arm=c["arm"][rows],
        council=c["council"][rows],
    )


def _final_by_question(c: dict[str, Any], mask: BoolArray) -> tuple[IntArray, IntArray]:
    """(participant, question id) keys of the final rows under `mask`, sorted, with rows."""
    rows = np.flatnonzero(mask)
    keys = c["participant"][rows] * _QUESTION_STRIDE + c["question"][rows]
    chosen = rows[_latest(keys, c["id"][rows])]
    return (c["participant"][chosen] * _QUESTION_STRIDE + c["question"][chosen]), chosen


# Question ids are below 2**31, so participant * stride + question never collides.
_QUESTION_STRIDE = np.int64(2**31)


def _decisions(c: dict[str, Any], questions: _Questions, n_slots: int) -> Decisions:
    forecast_keys, forecast_rows = _final_by_question(c, c["is_forecast"] & (c["retest"] != 1))
    rows, _ = _rows(c, c["is_decision"] & (c["retest"] != 1) & (c["decision"] >= 0), n_slots)
    related = _map(c["question"][rows], questions.relates_to)
    pos = _lookup(forecast_keys, c["participant"][rows] * _QUESTION_STRIDE + related)
    linked = pos >= 0
    rows, pos = rows[linked], pos[linked]
    levels = {s.index: len(s.options) for s in questions.slots}
    decision_slot = c["slot"][rows]
    return Decisions(
        participant=c["participant"][rows],
        slot=c["slot"][forecast_rows[pos]],
        decision_slot=decision_slot,
        level=c["decision"][rows],
        n_levels=_map(decision_slot, levels, 0),
        p=c["pct"][forecast_rows[pos]].astype(np.float64) / 100.0,
        arm=c["arm"][rows],
        council=c["council"][rows],
    )


def _updates(c: dict[str, Any], questions: _Questions, n_slots: int) -> Updates:
    keys, rows = _final_by_question(c, c["is_forecast"] & (c["retest"] != 1))
    later = np.flatnonzero(_map(c["question"][rows], questions.earlier) >= 0)
    later_rows = rows[later]
    earlier_q = _map(c["question"][later_rows], questions.earlier)
    pos = _lookup(keys, c["participant"][later_rows] * _QUESTION_STRIDE + earlier_q)
    found = pos >= 0
    later_rows, before_rows = later_rows[found], rows[pos[found]]
    outcome = np.array([s.outcome for s in questions.slots] or [-1], dtype=np.int64)
    slot = c["slot"][later_rows]
    return Updates(
        participant=c["participant"][later_rows],
        slot=slot,
        before=c["pct"][before_rows].astype(np.float64) / 100.0,
        after=c["pct"][later_rows].astype(np.float64) / 100.0,
        y=outcome[slot] if slot.shape[0] else np.zeros(0, dtype=np.int64),
        arm=c["arm"][later_rows],
    )


def _retests(c: dict[str, Any], questions: _Questions, n_slots: int) -> Retests:
    first, first_keys = _rows(c, c["is_forecast"] & (c["retest"] != 1), n_slots)
    second, second_keys = _rows(c, c["is_forecast"] & (c["retest"] == 1), n_slots)
    pos = _lookup(first_keys, second_keys)
    paired = pos >= 0
    second, first = second[paired], first[pos[paired]]
    # The decision on each side: the participant's decision whose question relates to
    # this forecast question's slot, in the first answer and in the repeat.
    related_slot = _map(_map(c["question"], questions.relates_to), questions.slot_of)
    decided = c["is_decision"] & (c["decision"] >= 0) & (related_slot >= 0)
    c_rel = dict(c, slot=related_slot)
    d_first, d_first_keys = _rows(c_rel, decided & (c["retest"] != 1), n_slots)
    d_second, d_second_keys = _rows(c_rel, decided & (c["retest"] == 1), n_slots)
    keys = c["participant"][first] * n_slots + c["slot"][first]
    return Retests(
        participant=c["participant"][first],
        slot=c["slot"][first],
        first=c["pct"][first].astype(np.float64) / 100.0,
        second=c["pct"][second].astype(np.float64) / 100.0,
        first_decision=_level_at(c, d_first, d_first_keys, keys),
        second_decision=_level_at(c, d_second, d_second_keys, keys),
        arm=c["arm"][first],
    )


def _level_at(c: dict[str, Any], rows: IntArray, row_keys: IntArray, keys: IntArray) -> IntArray:
    pos = _lookup(row_keys, keys)
    levels = c["decision"][rows] if rows.shape[0] else np.zeros(1, dtype=np.int64)
    return np.where(pos >= 0, levels[np.maximum(pos, 0)], -1).astype(np.int64)


# --- what the figures depend on -------------------------------------------------------


def inputs_fingerprint(*, study: Study, role: str | None = None) -> str:
    """A hash that changes whenever a figure could: a forecast added or removed, an
    outcome recorded, corrected or annulled, a question linked, a participant randomised,
    moved to a council, withdrawn or erased, an arm renamed, blinding changed.

    Forecasts are never edited (an update is a new row), so their count and highest id
    stand for them. Five small queries besides the blinding helper's.
    """
    forecasts = Forecast.objects.filter(participant__study=study).aggregate(
        n=Count("pk"), last=Max("pk")
    )
    parts = [
        repr(sorted(forecasts.items())),
        repr(sorted(Council.objects.filter(study=study).values_list("pk", "name"))),
        repr(sorted(after_randomisation_by_phase(study_id=study.pk).items())),
        repr(_question_rows(study)),
        repr(sorted(analysable_people(study=study).items())),
        repr(sorted(arm_labels(study=study, role=role).items())),
        repr(is_blinded(study=study, role=role)),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()
