"""What the templates need to draw a part's questions, its errors and its read-only answers.

The answer rules live in `answers.py`; this module only arranges field names,
typed-in values and error messages per question for the templates, and words
a submitted forecast for the read-only view.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.core.cache import caches
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from casecast.forecasts import answers as rules
from casecast.forecasts import selectors
from casecast.forecasts.models import Forecast
from casecast.forecasts.services import question_spec
from casecast.vignettes import kinds
from casecast.vignettes.kinds import AnswerShape
from casecast.vignettes.models import Question, Stage, VignetteVersion

RATIONALE_MAX_CHARS = rules.RATIONALE_MAX_CHARS

QUANTILE_LABELS = {
    "p5": ("Low estimate", "You think there is only a 5 in 100 chance it will be lower than this."),
    "p50": ("Middle estimate", "Your best guess: it is as likely to be higher as lower."),
    "p95": (
        "High estimate",
        "You think there is only a 5 in 100 chance it will be higher than this.",
    ),
}
INTERVAL_LABELS = {"lower": ("Lower bound", ""), "upper": ("Upper bound", "")}


@dataclass
class Choice:
    value: str
    label: str
    checked: bool
    id: str


@dataclass
class Field:
    name: str
    label: str
    value: str = ""
    hint: str = ""
    error: str = ""
    choices: list[Choice] = field(default_factory=list)
    describedby: str = ""

    @property
    def id(self) -> str:
        return self.name

    @property
    def first_id(self) -> str:
        """Where an error-summary link should land (the first radio of a group)."""
        return self.choices[0].id if self.choices else self.name


@dataclass
class QuestionBlock:
    question: Question
    number: int
    fields: list[Field]
    base_rate: str = ""
    earlier_answer: str = ""
    hint: str = ""
    # An error about the question as a whole (the percentages do not add up to 100),
    # shown once in its fieldset rather than against one of its inputs.
    error: str = ""

    @property
    def context_ids(self) -> str:
        """Ids of the hint, earlier answer and base rate shown with the question."""
        ids = [f"{self.prefix}-hint"]
        if self.earlier_answer:
            ids.append(f"{self.prefix}-earlier")
        if self.base_rate:
            ids.append(f"{self.prefix}-base-rate")
        return " ".join(ids)

    @property
    def error_id(self) -> str:
        return f"{self.prefix}-error"

    @property
    def fieldset_describedby(self) -> str:
        """For a question drawn as one fieldset: its hint and context, then its own error."""
        if self.error:
            return f"{self.context_ids} {self.error_id}"
        return self.context_ids

    @property
    def kind(self) -> str:
        return self.question.kind

    @property
    def shape(self) -> AnswerShape:
        return kinds.get(self.question.kind).answer

    @property
    def template(self) -> str:
        """The partial that draws this question, as its kind declares."""
        return kinds.get(self.question.kind).template

    @property
    def prefix(self) -> str:
        return f"q{self.question.pk}"

    @property
    def has_error(self) -> bool:
        return bool(self.error) or any(f.error for f in self.fields)

    @property
    def field(self) -> Field:
        return self.fields[0]

    @property
    def options(self) -> list[Field]:
        return self.fields


# On-page help for a number, by its format (also listed in docs/participant-journey.md);
# other kinds declare their help in the registry (vignettes/kinds.py).
HINTS = {
    rules.QUANTILES: (
        "Give three numbers: a low estimate, your best guess and a high estimate. "
        "Each must be the same as or more than the one before."
    ),
    rules.INTERVAL: (
        "Give a lower and an upper number. Choose them so that you are {confidence}% sure "
        "the true number is between them."
    ),
}
# Sentence-ending marks: a quoted question that ends with one needs no full stop after it.
_SENTENCE_ENDS = (".", "?", "!", "…")


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def confidence_hint(question: Question) -> str:
    """What the ends of the question's own confidence scale mean, so hint and options agree."""
    labels = question.confidence_labels
    return f"1 means {_lower_first(labels[0])} and {len(labels)} means {_lower_first(labels[-1])}."


def _follows_from(question: Question) -> str:
    """'This decision follows from your answer to "…"', with one mark at the end, never two."""
    text = str(question).strip()
    sentence = f'This decision follows from your answer to "{text}"'
    return sentence if text.endswith(_SENTENCE_ENDS) else f"{sentence}."


def question_hint(question: Question) -> str:
    kind = kinds.get(question.kind)
    if kind.answer == AnswerShape.QUANTITY:
        if question.numeric_format == rules.INTERVAL:
            confidence = question.interval_confidence or 90
            return HINTS[rules.INTERVAL].format(confidence=confidence)
        return HINTS[rules.QUANTILES]
    hint = kind.hint
    if kind.needs_relates_to and question.relates_to is not None:
        hint = f"{_follows_from(question.relates_to)} {hint}"
    return hint


def _describe(block: QuestionBlock) -> None:
    """Fill in each field's aria-describedby: only ids that are on the page."""
    single = block.shape in (AnswerShape.PROBABILITY, AnswerShape.TEXT)
    for position, item in enumerate(block.fields):
        ids = []
        if single or (block.shape == AnswerShape.CHOICE and position == 0):
            ids.append(block.context_ids)
        if item.hint:
            ids.append(f"{item.id}-hint")
        if item.error:
            ids.append(f"{item.id}-error")
        item.describedby = " ".join(ids)


@dataclass
class SummaryError:
    href: str
    text: str


def base_rate_text(question: Question) -> str:
    if question.base_rate is None:
        return ""
    percent = round(question.base_rate * 100)
    return f"In similar cases, about {percent}% had this outcome."


def _choices(name: str, labels: Sequence[str], value: str, *, start: int = 0) -> list[Choice]:
    return [
        Choice(
            value=str(index),
            label=label,
            checked=value == str(index),
            id=name if index == start else f"{name}-{index}",
        )
        for index, label in enumerate(labels, start=start)
    ]


def _fields(
    question: Question, values: Mapping[str, str], errors: Mapping[str, str]
) -> list[Field]:
    spec = question_spec(question)

    def make(name: str, label: str, hint: str = "") -> Field:
        return Field(name, label, values.get(name, ""), hint, errors.get(name, ""))

    shape = rules.answer_shape(spec)
    if shape == AnswerShape.DISTRIBUTION:
        return [make(rules.option_field(spec, i), option) for i, option in enumerate(spec.options)]
    if shape == AnswerShape.QUANTITY:
        labels = INTERVAL_LABELS if spec.numeric_format == rules.INTERVAL else QUANTILE_LABELS
        return [
            make(rules.part_field(spec, part), *labels[part])
            for part, _ in rules.numeric_parts(spec)
        ]
    if shape == AnswerShape.CHOICE:
        decision = make(rules.part_field(spec, rules.CHOICE_PART), question.text)
        decision.choices = _choices(decision.name, spec.options, decision.value)
        confidence = make(
            rules.part_field(spec, rules.CONFIDENCE_PART), "How confident are you in this decision?"
        )
        confidence.hint = confidence_hint(question)
        # An en dash, as GOV.UK content style writes ranges and pairs.
        scale = [f"{i} – {label}" for i, label in enumerate(question.confidence_labels, 1)]
        confidence.choices = _choices(confidence.name, scale, confidence.value, start=1)
        return [decision, confidence]
    return [make(spec.prefix, question.text)]


def question_blocks(
    *,
    questions: Sequence[Question],
    values: Mapping[str, str],
    errors: Sequence[rules.FieldError],
    show_base_rates: bool,
    earlier: Mapping[int, Forecast],
) -> list[QuestionBlock]:
    messages = {e.field: e.message for e in errors}
    blocks = []
    for number, question in enumerate(questions, start=1):
        previous = earlier.get(question.pk)
        fields = _fields(question, values, messages)
        prefix = question_spec(question).prefix
        # An error named by the question's prefix, when no input has that name, is about
        # the question as a whole.
        whole = "" if any(f.name == prefix for f in fields) else messages.get(prefix, "")
        block = QuestionBlock(
            question=question,
            number=number,
            fields=fields,
            base_rate=base_rate_text(question) if show_base_rates else "",
            earlier_answer=answer_text(previous.question, previous) if previous else "",
            hint=" ".join(filter(None, [question.help_text, question_hint(question)])),
            error=whole,
        )
        _describe(block)
        blocks.append(block)
    return blocks


def error_summary(blocks: Sequence[QuestionBlock]) -> list[SummaryError]:
    """One line per field to fix, naming the question (and option) it belongs to.

    An error about a whole question names the question only and links to its first input.
    """
    items = []
    for block in blocks:
        if block.error:
            href = f"#{block.fields[0].first_id}"
            items.append(SummaryError(href=href, text=f"Question {block.number}: {block.error}"))
        for item in block.fields:
            if not item.error:
                continue
            where = f"Question {block.number}"
            if block.shape in (AnswerShape.DISTRIBUTION, AnswerShape.QUANTITY):
                where += f", {item.label}"
            items.append(SummaryError(href=f"#{item.first_id}", text=f"{where}: {item.error}"))
    return items


# --- Read-only answers --------------------------------------------------------------


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    text = f"{value:g}"
    return f"{text} {unit}".strip()


def answer_text(question: Question, forecast: Forecast) -> str:
    """A submitted answer in words, for the read-only view of a locked part."""
    shape = kinds.get(question.kind).answer
    if shape == AnswerShape.PROBABILITY:
        return f"{forecast.probability_pct}%"
    if shape == AnswerShape.DISTRIBUTION:
        pairs = zip(question.options, forecast.probabilities_pct or [], strict=False)
        return "; ".join(f"{option}: {pct}%" for option, pct in pairs)
    if shape == AnswerShape.QUANTITY:
        unit = question.unit
        if forecast.median is not None:
            return (
                f"Low {_number(forecast.lower, unit)}, middle {_number(forecast.median, unit)}, "
                f"high {_number(forecast.upper, unit)}"
            )
        return (
            f"Between {_number(forecast.lower, unit)} and {_number(forecast.upper, unit)} "
            f"({forecast.interval_confidence}% sure)"
        )
    if shape == AnswerShape.CHOICE:
        spec = question_spec(question)
        decision = spec.options[forecast.decision] if forecast.decision is not None else ""
        labels = question.confidence_labels
        confidence = forecast.decision_confidence or 0
        label = labels[confidence - 1].lower() if 1 <= confidence <= len(labels) else ""
        return f"{decision} ({confidence} out of 5, {label})"
    return forecast.rationale


def case_text_html(*, version: VignetteVersion, stages: Sequence[Stage], part: int) -> SafeString:
    """The case so far as HTML: the family table, earlier parts folded away, this part's text.

    The same for everyone given this version, and a version shown to participants never
    changes, so it is drawn once per part per process and kept with the version's
    structure (`selectors.structure_cache_key`): the stage page then fills in only what is
    the participant's own. Escaped when drawn (the template autoescapes; case Markdown
    is sanitised by its filter), so what is cached is safe to insert as it is.
    """
    key = selectors.structure_cache_key(version=version, name=f"case-text:{part}")
    cache = caches[selectors.STRUCTURE_CACHE]
    html: str | None = cache.get(key)
    if html is None:
        html = render_to_string(
            "forecasts/includes/case_text.html",
            {
                "version": version,
                "earlier_stages": stages[: part - 1],
                "part": part,
                "stage": stages[part - 1],
            },
        )
        cache.set(key, str(html), selectors.STRUCTURE_CACHE_SECONDS)
    return mark_safe(html)  # drawn by the autoescaping template above
