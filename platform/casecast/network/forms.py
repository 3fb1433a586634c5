from __future__ import annotations

from typing import Any

from django import forms

from casecast.network.selectors import MIN_FORECASTS, TOP_FRACTION
from casecast.resolution.exports.writers import Format
from casecast.studies.models import Study


class TrackRecordFilterForm(forms.Form):
    min_n = forms.IntegerField(
        label="Fewest forecasts to be listed",
        min_value=1,
        max_value=10_000,
        initial=MIN_FORECASTS,
        error_messages={
            "required": "Enter the fewest forecasts, like 10",
            "invalid": "Enter a whole number, like 10",
            "min_value": "Enter at least 1",
            "max_value": "Enter 10,000 or fewer",
        },
    )
    top_percent = forms.DecimalField(
        label="Top group, as a percentage of those listed",
        min_value=0.1,
        max_value=100,
        decimal_places=1,
        initial=TOP_FRACTION * 100,
        error_messages={
            "required": "Enter a percentage, like 2",
            "invalid": "Enter a number, like 2",
            "min_value": "Enter at least 0.1",
            "max_value": "Enter 100 or less",
            "max_decimal_places": "Enter at most one decimal place, like 2.5",
        },
    )


class InviteTopForm(TrackRecordFilterForm):
    study = forms.ModelChoiceField(
        label="Study to invite them to",
        queryset=Study.objects.none(),
        empty_label="Choose a study",
        error_messages={
            "required": "Choose the study to invite them to",
            "invalid_choice": "Choose a study that is recruiting",
        },
    )
    confirm = forms.BooleanField(
        label="I understand each person in the top group gets an invitation email",
        error_messages={"required": "Tick the box to confirm the invitations"},
    )

    def __init__(self, *args: Any, studies: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["study"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = studies


class PooledExportForm(forms.Form):
    """ "Download pooled data": which studies (every one offering linking, unless some are
    unticked), the format, and whether to include reasoning text."""

    studies = forms.MultipleChoiceField(
        label="Studies to pool",
        help_text="Only studies that offer linking across studies are listed.",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one study to pool",
            "invalid_choice": "Choose only studies from the list",
        },
    )
    format = forms.ChoiceField(
        label="Format",
        widget=forms.RadioSelect,
        choices=[(f.value, f.label) for f in Format],
        initial=Format.CSV.value,
        error_messages={
            "required": "Choose CSV, Parquet, Stata or SPSS",
            "invalid_choice": "Choose CSV, Parquet, Stata or SPSS",
        },
    )
    include_reasoning = forms.BooleanField(
        required=False,
        label="Include participants' reasoning text",
        help_text="Free text can name people or places: read it before sharing the files.",
    )

    def __init__(self, *args: Any, studies: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["studies"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = studies
        field.initial = [slug for slug, _ in studies]
