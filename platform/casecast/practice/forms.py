"""Practice forms. They parse input; `practice.services` decides.

The case label is deliberately not a field of any form here: the page draws
it as an input without a `name`, so a browser never sends it (see
static/practice/practice.js).
"""

from __future__ import annotations

from typing import Any

from django import forms

from casecast.practice.questions import CUSTOM, CUSTOM_MAX_CHARS, QUESTIONS
from casecast.studies.models import Study

QUESTION_CHOICES = [*QUESTIONS.items(), (CUSTOM, "I will write my own question")]


class PracticeForecastForm(forms.Form):
    question = forms.ChoiceField(
        label="What do you want to forecast?",
        choices=QUESTION_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a question, or choose to write your own"},
    )
    custom_text = forms.CharField(
        label="Your own question (if you chose to write one)",
        help_text="A yes or no question about what will happen, such as “Will the child "
        "still be in the same school at the end of term?”. Do not include names, places, "
        "dates, ages or case numbers.",
        required=False,
        max_length=CUSTOM_MAX_CHARS + 50,  # the service says how long it may be
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "off", "spellcheck": "true"}),
    )
    probability_pct = forms.IntegerField(
        label="How likely is it to happen, as a percentage?",
        help_text="A whole number from 1 to 99. 50 means you think it is as likely as not.",
        min_value=1,
        max_value=99,
        error_messages={
            "required": "Give a percentage from 1 to 99",
            "invalid": "Give a whole number from 1 to 99",
            "min_value": "Give a whole percentage from 1 to 99",
            "max_value": "Give a whole percentage from 1 to 99",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    due_on = forms.DateField(
        label="When will you know?",
        help_text="We will email you on this day to ask what happened. "
        "For example, for “within 3 months”, the day 3 months from now.",
        error_messages={"required": "Enter the date you will know", "invalid": "Enter a real date"},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    local_id = forms.CharField(
        widget=forms.HiddenInput,
        max_length=40,
        error_messages={
            "required": "This form is out of date. Go back to your practice and start again"
        },
    )


class ResolveForm(forms.Form):
    happened = forms.ChoiceField(
        label="Did it happen?",
        choices=[("yes", "Yes, it happened"), ("no", "No, it did not happen")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether it happened"},
    )


class SharingForm(forms.Form):
    studies = forms.ModelMultipleChoiceField(
        label="Which studies may see your anonymised practice record?",
        help_text="Choose none to share with no one.",
        queryset=Study.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, studies: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["studies"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = studies


class PracticeInviteForm(forms.Form):
    email = forms.CharField(
        label="The worker's email address",
        help_text="We email them a personal link. They can practise on their own cases; they "
        "do not take part in the study.",
        max_length=254,
        error_messages={"required": "Enter the worker's email address"},
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
