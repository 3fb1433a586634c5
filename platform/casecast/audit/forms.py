from __future__ import annotations

from typing import Any

from django import forms


class AuditFilterForm(forms.Form):
    """Filters for the study audit page; every field is optional."""

    actor = forms.TypedChoiceField(label="Who", required=False, coerce=int, empty_value=None)
    action = forms.ChoiceField(label="What", required=False)
    since = forms.DateField(
        label="From (day)", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="To (day, included)", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(
        self, *args: Any, actors: list[tuple[int, str]], actions: list[str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        actor, action = self.fields["actor"], self.fields["action"]
        assert isinstance(actor, forms.TypedChoiceField)
        assert isinstance(action, forms.ChoiceField)
        actor.choices = [("", "Anyone"), *actors]
        action.choices = [("", "Any action"), *((a, a) for a in actions)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", "The 'to' day must be the same as or after the 'from' day")
        return cleaned
