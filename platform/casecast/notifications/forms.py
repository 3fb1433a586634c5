from __future__ import annotations

from django import forms

from casecast.notifications.models import ReminderPolicy


class EmailTemplateForm(forms.Form):
    subject = forms.CharField(
        label="Subject",
        max_length=200,
        error_messages={
            "required": "Enter a subject",
            "max_length": "The subject must be 200 characters or fewer",
        },
    )
    body = forms.CharField(
        label="Message",
        widget=forms.Textarea(attrs={"rows": 16}),
        help_text="Plain text. Use the placeholders listed above, in double brackets.",
        error_messages={"required": "Enter the message"},
    )


class ReminderPolicyForm(forms.ModelForm):
    class Meta:
        model = ReminderPolicy
        fields = ["enabled", "every_days", "max_reminders"]
        labels = {
            "enabled": "Send reminders to participants with unfinished work",
            "every_days": "Days between reminders",
            "max_reminders": "Most reminders one participant gets",
        }
        help_texts = {
            "every_days": "A participant is reminded after this many days without activity, "
            "and again after the same gap. From 1 to 90.",
            "max_reminders": "From 0 to 20.",
        }
        error_messages = {
            "every_days": {
                "required": "Enter the number of days between reminders",
                "invalid": "Enter the number of days as a whole number, like 7",
            },
            "max_reminders": {
                "required": "Enter the most reminders one participant gets",
                "invalid": "Enter the most reminders as a whole number, like 3",
            },
        }

    def clean_every_days(self) -> int:
        value = self.cleaned_data["every_days"]
        if not 1 <= value <= 90:
            raise forms.ValidationError("Enter a number of days from 1 to 90")
        return int(value)

    def clean_max_reminders(self) -> int:
        value = self.cleaned_data["max_reminders"]
        if not 0 <= value <= 20:
            raise forms.ValidationError("Enter a number from 0 to 20")
        return int(value)
