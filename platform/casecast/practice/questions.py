"""The common practice questions a worker can pick instead of writing their own.

Keys are stored; the wording is shown. A key is never reused for different
wording, so a stored forecast keeps its meaning (add a new key instead).
"""

from __future__ import annotations

QUESTIONS: dict[str, str] = {
    "re_referral_3m": "Will the child be re-referred to children's social care within 3 months?",
    "plan_ends_6m": "Will the child protection plan end within 6 months?",
    "placement_breakdown_6m": "Will the current placement end unplanned within 6 months?",
    "return_home_12m": "Will the child return home within a year?",
    "proceedings_6m": "Will care proceedings be issued within 6 months?",
    "step_down_3m": "Will the case be stepped down to early help within 3 months?",
}

CUSTOM = "custom"  # the choice "I will write my own question"
CUSTOM_MAX_CHARS = 200


def question_text(*, key: str, custom_text: str) -> str:
    """What a forecast asks, in words: the common question's wording or the worker's own."""
    return QUESTIONS.get(key, "") if key else custom_text
