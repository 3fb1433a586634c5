"""Refuse practice questions that look as if they identify someone.

A worker's own practice question is stored on the server, so it must say
nothing about who the case is (that is what the label kept in their browser is
for). `identifying_problems(text)` returns one plain-English sentence per kind
of thing that looks identifying — what was found and what to write instead —
or an empty list. It errs on the side of refusing: a false alarm costs the
worker a rewording, a miss puts personal data on a research server.

Pure Python (no Django), so it is cheap to test with many examples.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)

# Capitalised words that are ordinary in a social care question, so a capital
# letter on them is not taken for a name.
_ORDINARY_WORDS = """
    i a an the will would is are was were does do did has have had can could should may might
    must what when where which who how why if by within before after in on at of to for and or
    child children children's child's young person protection plan need early help care order
    looked after special guardianship court family social services section supervision public law
    outline conference initial review adoption placement mum dad mother father parent parents
    carer carers foster nan gran grandma grandad grandparent grandparents sibling siblings brother
    sister baby school police health nhs gp camhs ofsted team teams council local authority
    education tribunal emergency interim full final stage step down up monday tuesday wednesday
    thursday friday saturday sunday christmas easter january february march april may june july
    august september october november december he she they it his her their this that these those
    no not yes any again home return returned stay remain case plan
"""
ORDINARY_CAPITALISED = frozenset(_ORDINARY_WORDS.split())


@dataclass(frozen=True)
class Rule:
    """One kind of identifying detail: a test over the text and how to explain a hit."""

    finds: Callable[[str], str | None]  # the first matching piece of text, or None
    explain: Callable[[str], str]


def _pattern(regex: str, flags: int = re.IGNORECASE) -> Callable[[str], str | None]:
    compiled = re.compile(regex, flags)

    def finds(text: str) -> str | None:
        match = compiled.search(text)
        return match.group(0).strip() if match else None

    return finds


_EMAIL = _pattern(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_POSTCODE = _pattern(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b")
_NUMERIC_DATE = _pattern(r"\b\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}\b")
_WORDED_DATE = _pattern(
    rf"\b\d{{1,2}}(st|nd|rd|th)?\s+(of\s+)?({MONTHS})\b\.?(\s+\d{{2,4}})?"
    rf"|\b({MONTHS})\s+\d{{1,2}}(st|nd|rd|th)?\b(,?\s+\d{{4}})?"
)
_BIRTH = _pattern(r"\b(d\.?o\.?b\.?|date of birth|born (on|in)|birthday)\b")
_AGE = _pattern(r"\b(aged?\s+\d{1,2}|\d{1,2}[\s-]*(years?|yrs?|months?)[\s-]*old)\b")
_NHS = _pattern(r"\b\d{3}[\s-]?\d{3}[\s-]?\d{4}\b")
_PHONE = _pattern(r"(\+44\s?\(?0?\)?\s?|\b0)\d{2,4}[\s-]?\d{3,4}[\s-]?\d{3,4}\b")
_CASE_NUMBER = _pattern(r"\b[A-Z]{1,5}[/\-]?\d{4,}\b|\b\d{5,}\b", flags=0)
_CASE_REFERENCE = _pattern(r"\b(case|ref|reference|file|id)\s*(no\.?|number)?\s*[:#]?\s*\d{3,}\b")
_ADDRESS = _pattern(
    r"\b\d+[a-z]?,?\s+([A-Z][\w'\-]*\s+){1,3}"
    r"(road|rd|street|st|avenue|ave|lane|ln|close|drive|dr|way|court|ct|crescent|place|pl|"
    r"gardens|terrace|grove|square|hill|row|walk|mews|estate|house|flats?)\b"
)
_TITLE_NAME = _pattern(r"\b(?i:mr|mrs|ms|miss|mx|dr|master)\.?\s+[A-Z][\w'\-]+", flags=0)
_WORD = re.compile(r"[A-Za-z][\w'\-]*")


def _capitalised_name(text: str) -> str | None:
    """A capitalised word that does not start a sentence and is not an ordinary word.

    Names of people and places are what this catches ("Will Jack return home?"),
    along with any other proper noun: a practice question needs none.
    """
    sentence_start = True
    for match in re.finditer(r"[A-Za-z][\w'\-]*|[.?!:;]", text):
        word = match.group(0)
        if word in ".?!:;":
            sentence_start = True
            continue
        is_acronym = word.isupper() and len(word) <= 5  # CP, CIN, LAC, PLO, ICPC
        capitalised = word[0].isupper() and not is_acronym
        if capitalised and not sentence_start and word.lower() not in ORDINARY_CAPITALISED:
            return word
        if capitalised and sentence_start and word.lower() not in ORDINARY_CAPITALISED:
            # A sentence that opens with a name: "Jack Smith will…", "Jack will…".
            following = text[match.end() :].lstrip()
            if following[:1].isupper() or _looks_like_name_start(word, following):
                return word
        sentence_start = False
    return None


def _looks_like_name_start(word: str, following: str) -> bool:
    """A sentence-opening word that is not an ordinary word and is followed by a verb such
    as "will" or "is" reads as a name ("Jack will return home")."""
    next_word = _WORD.match(following)
    return bool(next_word) and next_word.group(0).lower() in {  # type: ignore[union-attr]
        "will",
        "is",
        "was",
        "has",
        "does",
        "and",
        "'s",
    }


RULES: tuple[Rule, ...] = (
    Rule(
        _EMAIL,
        lambda hit: f"It contains an email address ({hit}). Remove it.",
    ),
    Rule(
        _POSTCODE,
        lambda hit: (
            f"It contains what looks like a postcode ({hit}). Leave out where the family lives."
        ),
    ),
    Rule(
        _ADDRESS,
        lambda hit: (
            f"It contains what looks like an address ({hit}). Leave out where the family lives."
        ),
    ),
    Rule(
        _BIRTH,
        lambda hit: f"It mentions a date of birth ({hit}). Leave out birthdays and ages.",
    ),
    Rule(
        _NUMERIC_DATE,
        lambda hit: (
            f"It contains a date ({hit}). Give the time as a span instead, "
            "such as “within 3 months”: the due date records when."
        ),
    ),
    Rule(
        _WORDED_DATE,
        lambda hit: (
            f"It contains a date ({hit}). Give the time as a span instead, "
            "such as “within 3 months”: the due date records when."
        ),
    ),
    Rule(
        _AGE,
        lambda hit: (
            f"It gives an age ({hit}). With other details an age can identify a "
            "child: leave it out."
        ),
    ),
    Rule(
        _NHS,
        lambda hit: f"It contains what looks like an NHS or phone number ({hit}). Remove it.",
    ),
    Rule(
        _PHONE,
        lambda hit: f"It contains what looks like a phone number ({hit}). Remove it.",
    ),
    Rule(
        _CASE_NUMBER,
        lambda hit: (
            f"It contains what looks like a case or reference number ({hit}). "
            "Remove it: the label kept on your device is where to note which case this is."
        ),
    ),
    Rule(
        _CASE_REFERENCE,
        lambda hit: (
            f"It contains what looks like a case or reference number ({hit}). "
            "Remove it: the label kept on your device is where to note which case this is."
        ),
    ),
    Rule(
        _TITLE_NAME,
        lambda hit: (
            f"It contains what looks like a person's name ({hit}). "
            "Write “the mother”, “the child” or similar instead."
        ),
    ),
    Rule(
        _capitalised_name,
        lambda hit: (
            f"“{hit}” has a capital letter, so it looks like a name of a person or "
            "place. Write “the child”, “the mother” or similar instead, without capitals."
        ),
    ),
)


def identifying_problems(text: str) -> list[str]:
    """One explanation per kind of identifying detail found in `text` (empty if none).

    Overlapping rules are reported once: a phone number that is also a long run
    of digits is explained as a phone number only.
    """
    problems: list[str] = []
    found: list[str] = []
    for rule in RULES:
        hit = rule.finds(text)
        if hit is None or any(hit in earlier or earlier in hit for earlier in found):
            continue
        found.append(hit)
        problems.append(rule.explain(hit))
    return problems
