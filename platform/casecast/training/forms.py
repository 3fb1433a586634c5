from __future__ import annotations

from typing import Any

from django import forms

from casecast.core.forms import KB, TextUploadField
from casecast.training.content import CONFIDENCE_LEVELS, Step

CONFIDENCE_CHOICES = [(str(level), f"{level}%") for level in CONFIDENCE_LEVELS]


class ConfidenceAnswerForm(forms.Form):
    """A two-alternative question: which answer, and how sure (50% to 100%)."""

    answer = forms.TypedChoiceField(
        widget=forms.RadioSelect, coerce=int, error_messages={"required": "Choose an answer"}
    )
    confidence = forms.TypedChoiceField(
        label="How sure are you?",
        widget=forms.RadioSelect,
        coerce=int,
        choices=CONFIDENCE_CHOICES,
        help_text="50% means a pure guess; 100% means you are certain.",
        error_messages={"required": "Choose how sure you are"},
    )

    def __init__(self, *args: Any, step: Step, **kwargs: Any):
        super().__init__(*args, **kwargs)
        answer = self.fields["answer"]
        assert isinstance(answer, forms.ChoiceField)
        answer.label = step.question
        answer.choices = [(str(i), option) for i, option in enumerate(step.options)]


class CheckAnswerForm(forms.Form):
    answer = forms.TypedChoiceField(
        widget=forms.RadioSelect, coerce=int, error_messages={"required": "Choose an answer"}
    )

    def __init__(self, *args: Any, step: Step, **kwargs: Any):
        super().__init__(*args, **kwargs)
        assert step.check is not None
        answer = self.fields["answer"]
        assert isinstance(answer, forms.ChoiceField)
        answer.label = step.check.question
        answer.choices = [(str(i), option) for i, option in enumerate(step.check.options)]


class ModuleEditForm(forms.Form):
    source_yaml = forms.CharField(
        label="Module content (YAML)",
        widget=forms.Textarea(attrs={"rows": 30, "spellcheck": "false"}),
        required=False,
        help_text="Edit the content here, or upload a YAML file below. "
        "Saving creates a new version.",
    )
    upload = TextUploadField(
        max_bytes=512 * KB,
        label="Or upload a YAML file",
        required=False,
        help_text="A .yaml or .yml file in the same format. It replaces the text above.",
        error_messages={"not_utf8": "The file must be UTF-8 text"},
    )
    note = forms.CharField(
        label="What changed (optional)",
        required=False,
        max_length=300,
        help_text="For example: 'Replaced question 4'. Shown in the version list.",
    )

    def clean(self) -> dict[str, Any]:
        """Errors go on the field they are about, so the summary links to it."""
        data = super().clean() or {}
        if self.has_error("upload"):  # too large or not text: the text box is not the problem
            return data
        upload = data.get("upload")
        if upload is not None:
            data["source_yaml"] = upload.text
        if not (data.get("source_yaml") or "").strip():
            self.add_error("source_yaml", "Enter the module content or upload a YAML file")
        return data

    def content_problems(self, problems: list[str], *, source_yaml: str) -> None:
        """Show what is wrong with the content at the text box, with the content in it.

        Content from an upload is put in the text box too, so it can be fixed there.
        """
        if self.data.get("source_yaml") != source_yaml:
            self.data = {**self.data, "source_yaml": source_yaml}
        for problem in problems:
            self.add_error("source_yaml", problem)
