from __future__ import annotations

from typing import Any

from django import forms

from casecast.resolution.outcomes import OutcomeError, outcome_parse
from casecast.vignettes.models import Question

MAX_CSV_BYTES = 2 * 1024 * 1024


class OutcomeForm(forms.Form):
    outcome = forms.CharField(label="Outcome", max_length=200)
    known_at = forms.DateField(
        label="Date the outcome became known",
        help_text="For example, 2024-03-27",
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
    )
    source = forms.CharField(
        label="Source",
        max_length=300,
        help_text="Where the outcome comes from, for example the local authority's case record",
    )
    reason = forms.CharField(
        label="Reason for the change", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, question: Question, correction: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.question = question
        self.correction = correction
        self.fields["outcome"].help_text = _outcome_hint(question)
        if correction:
            self.fields["reason"].required = True
        else:
            del self.fields["reason"]

    def clean_outcome(self) -> Any:
        try:
            return outcome_parse(question=self.question, text=self.cleaned_data["outcome"])
        except OutcomeError as error:
            raise forms.ValidationError(str(error).capitalize()) from error


def _outcome_hint(question: Question) -> str:
    if question.kind == Question.Kind.BINARY:
        return "Yes or no"
    if question.kind == Question.Kind.NUMERIC:
        return f"A number{f' ({question.unit})' if question.unit else ''}"
    return "One of: " + ", ".join(str(option) for option in question.options or [])


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Recorded in the audit trail with your name and the time",
    )


class OutcomeCsvForm(forms.Form):
    file = forms.FileField(label="Upload a CSV file")

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_CSV_BYTES:
            raise forms.ValidationError("The file must be smaller than 2 MB")
        try:
            return str(upload.read().decode("utf-8-sig"))
        except UnicodeDecodeError as error:
            raise forms.ValidationError("The file must be a CSV saved as UTF-8") from error
