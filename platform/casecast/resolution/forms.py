from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone

from casecast.core.forms import MB, TextUploadField
from casecast.resolution.exports.writers import Format
from casecast.resolution.outcomes import (
    Outcome,
    OutcomeError,
    number_text,
    outcome_parse,
    resolvable_shape,
)
from casecast.vignettes import kinds
from casecast.vignettes.models import Question


class DateInputWidget(forms.MultiWidget):
    """The GOV.UK date input: day, month and year boxes posted as `<name>-day` and so on.

    The template renders the boxes (`resolution/includes/date_input.html`); the day box
    has the field's own id so an error summary link lands on it.
    """

    PARTS = ("day", "month", "year")

    def __init__(self) -> None:
        super().__init__(widgets=[forms.TextInput() for _ in self.PARTS])

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[Any]:
        return [data.get(f"{name}-{part}") for part in self.PARTS]

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return all(f"{name}-{part}" not in data for part in self.PARTS)

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, date):
            return [value.day, value.month, value.year]
        return [None, None, None]


class GovukDateField(forms.Field):
    """A date typed as day, month and year, checked the way the GOV.UK date input asks:
    which part is missing, whether it is a real date, and not after today."""

    widget = DateInputWidget
    default_error_messages = {
        "required": "Enter the date",
        "invalid": "Enter a real date",
    }

    def __init__(self, *, name_in_messages: str, **kwargs: Any) -> None:
        self.name_in_messages = name_in_messages
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> date | None:
        if isinstance(value, date):
            return value
        parts = [str(v or "").strip() for v in (value or ["", "", ""])]
        if not any(parts):
            return None
        name = self.name_in_messages
        missing = [
            part for part, text in zip(DateInputWidget.PARTS, parts, strict=True) if not text
        ]
        if missing:
            raise forms.ValidationError(
                f"{name} must include a {' and a '.join(missing)}",
                code="incomplete",
                params={"parts": missing},
            )
        # ASCII digits only ("²" is a digit to str.isdigit but not to int) and at most
        # 2/2/4 of them, so no value can overflow the date arithmetic below.
        widths_ok = len(parts[0]) <= 2 and len(parts[1]) <= 2 and len(parts[2]) == 4
        if not widths_ok or not all(text.isascii() and text.isdigit() for text in parts):
            raise forms.ValidationError(
                self.error_messages["invalid"], code="invalid", params={"parts": []}
            )
        day, month, year = (int(text) for text in parts)
        try:
            return date(year, month, day)
        except (ValueError, OverflowError):
            raise forms.ValidationError(
                self.error_messages["invalid"], code="invalid", params={"parts": []}
            ) from None

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is not None and value > timezone.localdate():
            raise forms.ValidationError(
                f"{self.name_in_messages} must be today or in the past",
                code="future",
                params={"parts": []},
            )


class OutcomeForm(forms.Form):
    outcome = forms.CharField(
        label="Outcome",
        max_length=200,
        error_messages={
            "required": "Enter the outcome",
            "max_length": "The outcome must be 200 characters or fewer",
        },
    )
    known_at = GovukDateField(
        label="Date the outcome became known",
        name_in_messages="The date the outcome became known",
        help_text="For example, 27 3 2024",
        error_messages={
            "required": "Enter the date the outcome became known",
            "invalid": "Enter the date the outcome became known as a real date, like 27 3 2024",
        },
    )
    source = forms.CharField(
        label="Source",
        max_length=300,
        help_text="Where the outcome comes from, for example the local authority's case record",
        error_messages={
            "required": "Enter where the outcome comes from",
            "max_length": "The source must be 300 characters or fewer",
        },
    )
    reason = forms.CharField(
        label="Reason for the change",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the reason for the change"},
    )

    def __init__(self, *args: Any, question: Question, correction: bool, **kwargs: Any) -> None:
        if correction and "initial" not in kwargs:
            kwargs["initial"] = outcome_initial(question)
        super().__init__(*args, **kwargs)
        self.question = question
        self.correction = correction
        choices = outcome_choices(question)
        if choices:
            # Yes/no and option questions: pick one (radios), never type a label.
            self.fields["outcome"] = forms.ChoiceField(
                label="Outcome",
                choices=choices,
                widget=forms.RadioSelect,
                error_messages={
                    "required": "Select the outcome",
                    "invalid_choice": "Select one of the options",
                },
            )
        else:
            self.fields["outcome"].help_text = _outcome_hint(question)
            self.fields["outcome"].widget.attrs.update(
                {"inputmode": "decimal", "spellcheck": "false"}
            )
        if correction:
            self.fields["reason"].required = True
        else:
            del self.fields["reason"]

    def clean_outcome(self) -> Any:
        value = self.cleaned_data["outcome"]
        shape = resolvable_shape(self.question)
        if shape == kinds.Outcome.YES_NO:
            return Outcome(binary=value == "yes")
        if shape == kinds.Outcome.OPTION:
            return Outcome(category=int(value) - 1)
        try:
            return outcome_parse(question=self.question, text=value)
        except OutcomeError as error:
            raise forms.ValidationError(str(error).capitalize()) from error

    @property
    def known_at_boxes(self) -> list[dict[str, Any]]:
        """The day, month and year boxes of the date input, with their values and which
        to highlight (the missing parts, else all three)."""
        field = self["known_at"]
        highlight: list[str] = []
        errors = self.errors.as_data().get("known_at") if self.is_bound else None
        if errors:
            params = errors[0].params or {}
            highlight = list(params.get("parts") or []) or list(DateInputWidget.PARTS)
        if self.is_bound:
            values = [
                self.data.get(f"{field.html_name}-{part}", "") for part in DateInputWidget.PARTS
            ]
        else:
            values = DateInputWidget().decompress(field.value())
        return [
            {
                "part": part,
                "label": part.capitalize(),
                "name": f"{field.html_name}-{part}",
                "id": field.auto_id if part == "day" else f"{field.auto_id}-{part}",
                "value": "" if value is None else value,
                "error": part in highlight,
                "width": 4 if part == "year" else 2,
            }
            for part, value in zip(DateInputWidget.PARTS, values, strict=True)
        ]


def outcome_choices(question: Question) -> list[tuple[str, str]]:
    """Radio choices for a question with a fixed set of outcomes; [] for a number."""
    shape = resolvable_shape(question)
    if shape == kinds.Outcome.YES_NO:
        return [("yes", "Yes"), ("no", "No")]
    if shape == kinds.Outcome.OPTION:
        return [(str(i), str(label)) for i, label in enumerate(question.options or [], start=1)]
    return []


def outcome_initial(question: Question) -> dict[str, Any]:
    """The recorded outcome, its date and source, as the form shows them."""
    initial: dict[str, Any] = {
        "known_at": question.outcome_known_at,
        "source": question.outcome_source,
    }
    if question.outcome_binary is not None:
        initial["outcome"] = "yes" if question.outcome_binary else "no"
    elif question.outcome_category is not None:
        initial["outcome"] = str(question.outcome_category + 1)
    elif question.outcome_numeric is not None:
        initial["outcome"] = number_text(question.outcome_numeric)
    return initial


def _outcome_hint(question: Question) -> str:
    unit = f" ({question.unit})" if question.unit else ""
    return f"A number{unit}, for example 12 or 3.5"


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Recorded in the audit trail with your name and the time",
        error_messages={"required": "Enter the reason"},
    )


class OutcomeCsvForm(forms.Form):
    file = TextUploadField(
        max_bytes=2 * MB,
        label="Upload a CSV file",
        error_messages={
            "required": "Select a CSV file to import",
            "empty": "The selected file is empty",
            "invalid": "Select a CSV file to import",
            "not_utf8": (
                "The file must be a CSV saved as UTF-8. In Excel, choose File, Save As, and "
                "under file format pick 'CSV UTF-8 (Comma delimited) (*.csv)'; in LibreOffice, "
                "choose Text CSV and the character set Unicode (UTF-8)"
            ),
        },
    )


class ExportPackageForm(forms.Form):
    """ "Download all data": the format, and whether to include reasoning text."""

    format = forms.ChoiceField(
        choices=[(f.value, f.label) for f in Format],
        initial=Format.CSV.value,
        error_messages={
            "required": "Choose CSV, Parquet, Stata or SPSS.",
            "invalid_choice": "Choose CSV, Parquet, Stata or SPSS.",
        },
    )
    include_reasoning = forms.BooleanField(
        required=False,
        label="Include participants' reasoning text",
        help_text="Free text can name people or places: read it before sharing the files.",
    )


class ForecastsDownloadForm(forms.Form):
    """The single forecasts.csv download: whether to include reasoning text (off unless
    ticked, as in "Download all data")."""

    include_reasoning = forms.BooleanField(
        required=False,
        label="Include participants' reasoning text",
        help_text="Free text can name people or places: read it before sharing the file.",
    )
