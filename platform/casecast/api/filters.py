"""The list filters: `phase`, `question` and `updated_since`, each refused with a specific
400 message when its value is not one the study can have."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time

from django.utils.dateparse import parse_date, parse_datetime
from rest_framework.exceptions import ValidationError

from casecast.studies.models import Study
from casecast.vignettes.models import Question

PHASE, QUESTION, UPDATED_SINCE = "phase", "question", "updated_since"

# "+01:00" arrives as " 01:00" when a client forgets to percent-encode the "+".
_SPACED_OFFSET = re.compile(r" (\d\d:?\d\d)$")


@dataclass(frozen=True)
class Filters:
    phase: int | None = None  # phase position, 1 = first
    question: int | None = None  # question_id
    updated_since: datetime | None = None


def _whole(name: str, raw: str, what: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= 2**31 - 1:
        raise ValidationError({name: [f"Give {what} as a whole number, 1 or more."]})
    return value


def _moment(raw: str) -> datetime:
    text = _SPACED_OFFSET.sub(r"+\1", raw.strip())
    try:
        moment = parse_datetime(text)
        day = None if moment is not None else parse_date(text)
    except ValueError:
        moment = day = None
    if day is not None:
        moment = datetime.combine(day, time.min)
    if moment is None:
        raise ValidationError(
            {
                UPDATED_SINCE: [
                    "Give an ISO 8601 date or date and time, such as 2026-11-26 or "
                    "2026-11-26T15:20:42Z (a time without a zone is read as UTC)."
                ]
            }
        )
    moment = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+05:00, before the first UTC moment
        raise ValidationError(
            {UPDATED_SINCE: ["Give a moment between the years 1 and 9999 in UTC."]}
        ) from None


def filters_from(query: Mapping[str, str], *, allowed: tuple[str, ...], study: Study) -> Filters:
    """The filters `allowed` for this list, read from the query string. Others are ignored."""
    phase = question = updated_since = None
    if PHASE in allowed and query.get(PHASE) is not None:
        phase = _whole(PHASE, query[PHASE], "the phase's position")
        positions = sorted(study.phases.values_list("position", flat=True))
        if phase not in positions:
            have = ", ".join(map(str, positions)) or "none yet"
            raise ValidationError({PHASE: [f"This study has no phase {phase} (phases: {have})."]})
    if QUESTION in allowed and query.get(QUESTION) is not None:
        question = _whole(QUESTION, query[QUESTION], "the question_id")
        if not Question.objects.filter(pk=question, version__vignette__study=study).exists():
            raise ValidationError({QUESTION: [f"This study has no question {question}."]})
    if UPDATED_SINCE in allowed and query.get(UPDATED_SINCE) is not None:
        updated_since = _moment(query[UPDATED_SINCE])
    return Filters(phase=phase, question=question, updated_since=updated_since)
