from django import forms

from casecast.core.control_characters import refuse_control_characters
from casecast.teams.models import COMMENT_MAX_CHARS
from casecast.teams.services import REASON_MAX_CHARS


class CommentForm(forms.Form):
    text = forms.CharField(
        label="Add a comment for your team (optional)",
        max_length=COMMENT_MAX_CHARS,
        help_text=f"Up to {COMMENT_MAX_CHARS} characters. Your teammates see it with your "
        "teammate letter, not your name. Do not include anything that could identify a child, "
        "family or colleague.",
        widget=forms.Textarea(attrs={"rows": 4}),
        validators=[refuse_control_characters],
        error_messages={
            "required": "Enter a comment",
            "max_length": f"Your comment must be {COMMENT_MAX_CHARS} characters or fewer",
        },
    )


class HideForm(forms.Form):
    reason = forms.CharField(
        label="Why are you hiding this comment?",
        max_length=REASON_MAX_CHARS,
        help_text="Kept in the audit trail. The team sees only that the research team hid it.",
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[refuse_control_characters],
        error_messages={
            "required": "Enter why you are hiding this comment",
            "max_length": f"The reason must be {REASON_MAX_CHARS} characters or fewer",
        },
    )
