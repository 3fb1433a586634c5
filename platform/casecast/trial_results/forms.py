from __future__ import annotations

from django import forms

from casecast.trial_results.models import ResultsStudy, TrialQuestion


def _number(label: str, *, required: bool = True, hint: str = "") -> forms.FloatField:
    return forms.FloatField(
        label=label,
        required=required,
        help_text=hint,
        error_messages={
            "required": f"Enter {label.lower()}",
            "invalid": f"Enter {label.lower()} as a number, like -2.5",
        },
        widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"}),
    )


class ForecastForm(forms.Form):
    def __init__(self, *args: object, unit: str, level: int, **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["estimate"] = _number(
            "Your estimate", hint=f"The effect you expect the trial to report, in {unit}."
        )
        self.fields["low"] = _number(
            "Lowest likely value",
            hint=f"You are {level}% sure the published estimate will be between this "
            "value and the highest likely value.",
        )
        self.fields["high"] = _number("Highest likely value", hint=f"In {unit}.")

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        low, estimate, high = data.get("low"), data.get("estimate"), data.get("high")
        if isinstance(low, float) and isinstance(estimate, float) and low > estimate:
            self.add_error("low", "The lowest likely value must be at or below your estimate")
        if isinstance(high, float) and isinstance(estimate, float) and high < estimate:
            self.add_error("high", "The highest likely value must be at or above your estimate")
        return data


class ResultsStudyForm(forms.ModelForm):
    class Meta:
        model = ResultsStudy
        fields = ["title", "description", "interval_level", "is_open"]
        labels = {
            "interval_level": "Range level (percent)",
            "is_open": "List this study for forecasters",
        }
        error_messages = {
            "title": {"required": "Enter a title"},
            "interval_level": {
                "required": "Enter the range level, like 80",
                "invalid": "Enter the range level as a whole number, like 80",
            },
        }


class TrialQuestionForm(forms.ModelForm):
    class Meta:
        model = TrialQuestion
        fields = ["trial", "description", "outcome", "unit", "closes_at", "position"]
        labels = {
            "trial": "Trial name",
            "outcome": "Primary outcome and how the effect is expressed",
            "closes_at": "Forecasts close (optional)",
            "position": "Order on the page",
        }
        widgets = {"closes_at": forms.DateTimeInput(attrs={"type": "datetime-local"})}
        error_messages = {
            "trial": {"required": "Enter the trial's name"},
            "description": {"required": "Describe what the trial tested"},
            "outcome": {"required": "Describe the primary outcome"},
            "unit": {"required": "Enter the unit, like percentage points"},
            "closes_at": {"invalid": "Enter a date and time, like 2027-03-31 17:00"},
            "position": {
                "required": "Enter the order on the page, like 1",
                "invalid": "Enter the order as a whole number, like 1",
            },
        }


class PublishedResultForm(forms.Form):
    published_estimate = _number("Published estimate")
    published_low = _number("Lower end of its confidence interval (optional)", required=False)
    published_high = _number("Upper end of its confidence interval (optional)", required=False)
    published_source = forms.CharField(
        label="Where it was published",
        max_length=300,
        error_messages={"required": "Say where the result was published"},
    )
    reason = forms.CharField(
        label="Reason for the correction (only when correcting a recorded result)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
