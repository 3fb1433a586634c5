"""Email wording: the default text of each editable email and its ((placeholders)).

Researchers' templates are plain text with GOV.UK Notify-style placeholders,
never Django template code: a template can only use the placeholders listed
for its kind, so it cannot reach into the study's secrets or anyone's data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from casecast.notifications.models import EmailKind

PLACEHOLDER = re.compile(r"\(\(\s*([a-z_]+)\s*\)\)")

COMMON = {
    "study_title": "The study's title",
    "site_name": "Casecast",
    "link": "The participant's personal sign-in link",
}
EXTRA: dict[str, dict[str, str]] = {
    EmailKind.INVITATION: {"study_description": "The study's public description (shortened)"},
    EmailKind.REMINDER: {
        "cases_to_do": "What is unfinished, e.g. '2 cases'",
        "unsubscribe_link": "Link that turns off reminders (required)",
    },
    EmailKind.NEW_WAVE: {"phase_name": "The name of the set of cases that has opened"},
    EmailKind.FEEDBACK_AVAILABLE: {},
}
REQUIRED: dict[str, set[str]] = {
    EmailKind.INVITATION: {"link"},
    EmailKind.REMINDER: {"link", "unsubscribe_link"},
    EmailKind.NEW_WAVE: {"link"},
    EmailKind.FEEDBACK_AVAILABLE: {"link"},
}


@dataclass(frozen=True)
class Wording:
    subject: str
    body: str


DEFAULTS: dict[str, Wording] = {
    EmailKind.INVITATION: Wording(
        "You are invited to take part in ((study_title))",
        """You have been invited to take part in a research study: ((study_title)).

((study_description))

Open your personal link to read about the study and decide whether to take part:
((link))

You do not need a password. Do not share this link: it signs you in as you.
Taking part is voluntary. If you do not want to take part, you can ignore this email.
""",
    ),
    EmailKind.REMINDER: Wording(
        "Reminder: you have unfinished work in ((study_title))",
        """You have ((cases_to_do)) to finish in ((study_title)).

Your answers so far are saved. Open your personal link to carry on:
((link))

Do not share this link: it signs you in as you.

To stop getting reminders for this study (you will still get other study emails):
((unsubscribe_link))
""",
    ),
    EmailKind.NEW_WAVE: Wording(
        "New cases are ready in ((study_title))",
        """A new set of cases, ((phase_name)), is now open in ((study_title)).

Open your personal link to start:
((link))

Do not share this link: it signs you in as you.
""",
    ),
    EmailKind.FEEDBACK_AVAILABLE: Wording(
        "Your feedback is ready in ((study_title))",
        """Outcomes of some of the cases you answered in ((study_title)) are now known,
and your feedback has been updated.

Open your personal link and choose "Your feedback":
((link))

Do not share this link: it signs you in as you.
""",
    ),
}


def placeholders_for(kind: str) -> dict[str, str]:
    return {**COMMON, **EXTRA.get(kind, {})}


def wording_problems_by_field(*, kind: str, subject: str, body: str) -> dict[str, list[str]]:
    """What is wrong with a researcher's template, by form field ("subject", "body").

    Each message is in words the researcher can act on and belongs to the field
    that has to change, so the edit page can show it at that field.
    """
    allowed = placeholders_for(kind)
    problems: dict[str, list[str]] = {"subject": [], "body": []}
    for field, text in (("subject", subject), ("body", body)):
        for name in sorted(set(PLACEHOLDER.findall(text)) - set(allowed)):
            problems[field].append(
                f"(({name})) is not a placeholder for this email. "
                "Use only the placeholders listed above"
            )
    for name in sorted(REQUIRED.get(kind, set()) - set(PLACEHOLDER.findall(body))):
        problems["body"].append(f"The message must include (({name}))")
    if not subject.strip():
        problems["subject"].append("Enter a subject")
    if "\n" in subject.strip():
        problems["subject"].append("The subject must be one line")
    return {field: found for field, found in problems.items() if found}


def wording_problems(*, kind: str, subject: str, body: str) -> list[str]:
    """What is wrong with a researcher's template, in words they can act on."""
    by_field = wording_problems_by_field(kind=kind, subject=subject, body=body)
    return [problem for found in by_field.values() for problem in found]


def fill(text: str, values: dict[str, str]) -> str:
    """Replace each ((name)) with its value; an unknown name becomes empty."""
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1), ""), text)
