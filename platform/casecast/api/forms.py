"""The form that creates a token. It parses input; `services.token_create` decides."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from casecast.studies.models import Study

EXPIRY_DAYS = (7, 30, 90, 365)


def _expiry_label(days: int) -> str:
    return "1 year" if days == 365 else f"{days} days"


class StudyChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.title)


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label="Name",
        help_text="What the token is for, so you can tell your tokens apart. For example, "
        "'R analysis on my laptop'.",
        max_length=100,
        error_messages={"required": "Enter a name for the token"},
    )
    studies = StudyChoiceField(
        label="Studies it may read",
        help_text="The token reads only these studies, and only while you are on their team.",
        queryset=Study.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one study"},
    )
    expires_in = forms.TypedChoiceField(
        label="Expires after",
        help_text="After this the token stops working; create a new one then.",
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose when the token expires"},
    )

    def __init__(self, *args: Any, studies: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["studies"]
        assert isinstance(field, StudyChoiceField)
        field.queryset = Study.objects.none() if studies is None else studies
        choices = [d for d in EXPIRY_DAYS if d <= settings.API_TOKEN_MAX_DAYS]
        expiry = self.fields["expires_in"]
        assert isinstance(expiry, forms.TypedChoiceField)
        expiry.choices = [(d, _expiry_label(d)) for d in choices]
