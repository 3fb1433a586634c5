"""Forms for participant and study staff pages. They parse input; services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from casecast.core.forms import MB, TextUploadField
from casecast.studies.analysis_plan import COVARIATE_LABELS, SECONDARY_LABELS
from casecast.studies.design import COUNCIL_FACTORS
from casecast.studies.models import (
    AnalysisPlan,
    Arm,
    BaselineQuestion,
    Council,
    DesignVersion,
    EligibilityQuestion,
    Phase,
    Study,
    StudyMembership,
)

YES_NO = [("yes", "Yes"), ("no", "No")]


def _errors(required: str, **extra: str) -> dict[str, str]:
    return {"required": required, **extra}


# --- Participants -----------------------------------------------------------------


class EnrolCodeForm(forms.Form):
    code = forms.CharField(
        label="Enter your study code",
        help_text="You will find it in the letter or email from the study team. For example, "
        "K7PX3MQA.",
        max_length=20,
        error_messages=_errors("Enter your study code"),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
    )


class EligibilityForm(forms.Form):
    def __init__(self, *args: Any, questions: list[EligibilityQuestion], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[f"q{question.pk}"] = forms.ChoiceField(
                label=question.text,
                help_text=question.help_text,
                choices=YES_NO,
                widget=forms.RadioSelect,
                error_messages=_errors("Select yes or no"),
            )

    def answers(self) -> dict[int, bool]:
        return {q.pk: self.cleaned_data[f"q{q.pk}"] == "yes" for q in self.questions}


class EnrolDetailsForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        help_text="We use it to send your personal link and reminders. We do not share it.",
        error_messages=_errors(
            "Enter your email address",
            invalid="Enter an email address in the correct format, like name@example.com",
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, allow_no_email: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if allow_no_email:
            field = self.fields["email"]
            field.required = False
            field.label = "Email address (optional)"
            field.help_text = (
                "If you give your email address we can send you your personal link and "
                "reminders. If you leave it blank, you must bookmark your personal link."
            )


class ConsentForm(forms.Form):
    consent_version = forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages=_errors(
            "Reload the page, read the information and try again",
            invalid="Reload the page, read the information and try again",
        ),
    )
    agree = forms.BooleanField(
        label="I have read the information above and I agree to take part",
        error_messages=_errors("Tick the box to confirm you agree to take part"),
    )
    link_across_studies = forms.BooleanField(
        required=False,
        label="Link my answers in this study with my answers in other Casecast studies (optional)",
        help_text="The research team could then follow how your judgements change over time "
        "and pool studies. The link is a code that does not contain your name or email "
        "address. You can take part without ticking this, and change your mind later.",
    )

    def __init__(self, *args: Any, offers_linking: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not offers_linking:
            del self.fields["link_across_studies"]


class LinkingForm(forms.Form):
    """A participant changing their choice about linking across studies."""

    link_across_studies = forms.TypedChoiceField(
        label="Link my answers across Casecast studies",
        choices=[("yes", "Yes, link my answers"), ("no", "No, do not link my answers")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages=_errors("Choose whether to link your answers"),
    )


class BaselineForm(forms.Form):
    def __init__(self, *args: Any, questions: list[BaselineQuestion], **kwargs: Any):
        super().__init__(*args, **kwargs)
        for question in questions:
            self.fields[question.key] = self._field(question)

    @staticmethod
    def _field(question: BaselineQuestion) -> forms.Field:
        common: dict[str, Any] = {
            "label": question.label if question.required else f"{question.label} (optional)",
            "help_text": question.help_text,
            "required": question.required,
        }
        if question.kind == BaselineQuestion.Kind.CHOICE:
            return forms.ChoiceField(
                choices=[(choice, choice) for choice in question.choices],
                widget=forms.RadioSelect,
                error_messages=_errors(f"Select an answer to ‘{question.label}’"),
                **common,
            )
        if question.kind == BaselineQuestion.Kind.NUMBER:
            return forms.IntegerField(
                min_value=0,
                max_value=100,
                widget=forms.TextInput(attrs={"inputmode": "numeric"}),
                error_messages=_errors(
                    f"Enter a number in answer to ‘{question.label}’",
                    invalid=f"Enter a whole number, like 4, in answer to ‘{question.label}’",
                    min_value=f"Enter a number of 0 or more in answer to ‘{question.label}’",
                    max_value=f"Enter a number of 100 or less in answer to ‘{question.label}’",
                ),
                **common,
            )
        return forms.CharField(
            max_length=300,
            error_messages=_errors(
                f"Enter an answer to ‘{question.label}’",
                max_length=f"Your answer to ‘{question.label}’ must be 300 characters or fewer",
            ),
            **common,
        )


class WithdrawForm(forms.Form):
    keep_data = forms.ChoiceField(
        label="Can we keep the answers you have already given?",
        help_text="Either way, you will not be contacted about the study again.",
        choices=[
            ("yes", "Yes, you can keep and analyse my answers so far"),
            ("no", "No, delete my answers and my personal details"),
        ],
        widget=forms.RadioSelect,
        error_messages=_errors("Select whether we can keep your answers"),
    )


# --- Study staff ------------------------------------------------------------------


class StaffWithdrawForm(forms.Form):
    """Recording a withdrawal a participant asked for by email, phone or in person."""

    keep_data = forms.ChoiceField(
        label="Did they agree that we keep the answers they have already given?",
        help_text="If they did not say, ask them before you record the withdrawal.",
        choices=[
            ("yes", "Yes, keep and analyse their answers so far"),
            ("no", "No, delete their answers and personal details"),
        ],
        widget=forms.RadioSelect,
        error_messages=_errors("Select whether we can keep their answers"),
    )
    reason = forms.CharField(
        label="How did they ask to leave?",
        help_text=(
            "For the audit trail, for example: by email to the study team on 3 March. "
            "Do not include names or contact details."
        ),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages=_errors("Enter how they asked to leave"),
    )


class StudyCreateForm(forms.Form):
    title = forms.CharField(
        label="Study title", max_length=200, error_messages=_errors("Enter a study title")
    )


class StudyDetailsForm(forms.ModelForm):
    preregistration_url = forms.URLField(
        label="Pre-registration link (optional)",
        required=False,
        assume_scheme="https",
        help_text="For example, the study's page on the Open Science Framework.",
        error_messages={"invalid": "Enter a full web address, like https://osf.io/abcd1"},
    )

    class Meta:
        model = Study
        fields = [
            "title",
            "public_description",
            "preregistration_url",
            "enrolment_code",
            "allow_no_email",
            "offers_network_linking",
            "outcome_release",
        ]
        labels = {
            "public_description": "Public description",
            "preregistration_url": "Pre-registration link (optional)",
            "enrolment_code": "Study code (optional)",
            "allow_no_email": "Let people join with a code without giving an email address",
            "offers_network_linking": "Ask participants whether to link their answers with "
            "other Casecast studies they take part in",
            "outcome_release": "When participants see what happened in each case",
        }
        help_texts = {
            "public_description": "Shown to people invited to the study.",
            "enrolment_code": "Anyone with this code can join (they answer the eligibility "
            "questions). Leave blank to use invitations and council codes only.",
            "offers_network_linking": "An optional box on the consent page. Only people who "
            "tick it get a network code that joins their answers across studies (for "
            "pooled analyses and track records); nobody else is linked.",
        }
        widgets = {"outcome_release": forms.RadioSelect}
        error_messages = {
            "title": {"required": "Enter a study title"},
            "outcome_release": {
                "required": "Select when participants see what happened in each case"
            },
        }

    def validate_unique(self) -> None:
        # The service checks codes against councils and invitations too.
        pass


class ArmForm(forms.Form):
    key = forms.SlugField(
        label="Key",
        max_length=40,
        help_text="Short identifier used in exports, like 'feedback'.",
        error_messages=_errors("Enter a key", invalid="Use only letters, numbers, - and _"),
    )
    name = forms.CharField(label="Name", max_length=120, error_messages=_errors("Enter a name"))
    description = forms.CharField(
        label="Description",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What participants in this arm receive, for the study team and reports.",
    )
    ratio = forms.IntegerField(
        label="Allocation ratio",
        min_value=1,
        max_value=20,
        initial=1,
        help_text="Relative share of participants. With 2 here and 1 for every other arm, this "
        "arm gets twice as many.",
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        error_messages=_errors(
            "Enter the allocation ratio",
            invalid="Enter a whole number, like 1",
            min_value="Enter a ratio of 1 or more",
            max_value="Enter a ratio of 20 or less",
        ),
    )
    is_control = forms.BooleanField(label="This is the control arm", required=False)
    feedback_policies = forms.MultipleChoiceField(
        label="Feedback after each case",
        required=False,
        choices=[(v, label) for v, label in Arm.FeedbackPolicy.choices if v != "none"],
        widget=forms.CheckboxSelectMultiple,
    )
    training_module = forms.ChoiceField(
        label="Training module",
        required=False,
        initial="",
        choices=[
            ("", "None"),
            ("calibration", "Calibration training"),
            ("debiasing", "Debiasing training"),
        ],
        widget=forms.RadioSelect,
    )
    shows_base_rates = forms.BooleanField(label="Show base rates with each case", required=False)
    team_size = forms.IntegerField(
        label="Team size (optional)",
        required=False,
        min_value=2,
        max_value=12,
        help_text="Leave empty for an arm of individuals. With a number, participants in this "
        "arm work in teams of that size and see their teammates' forecasts after making their "
        "own.",
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "invalid": "Enter a whole number, like 3",
            "min_value": "Enter a team size of 2 or more, or leave it empty",
            "max_value": "Enter a team size of 12 or less",
        },
    )
    reason = forms.CharField(
        label="Reason for the change",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed once the study has left draft: the change creates a new design version.",
    )

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("reason")
        return data


class RandomisationForm(forms.Form):
    scheme = forms.ChoiceField(
        label="Randomisation scheme",
        choices=DesignVersion.Scheme.choices,
        widget=forms.RadioSelect,
        error_messages=_errors("Select a scheme"),
    )
    unit = forms.ChoiceField(
        label="What is randomised",
        choices=DesignVersion.Unit.choices,
        widget=forms.RadioSelect,
        error_messages=_errors("Select what is randomised"),
    )
    strata = forms.MultipleChoiceField(
        label="Stratification or minimisation factors",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Under cluster randomisation councils can be stratified by region only.",
    )
    block_multiples = forms.CharField(
        label="Block size multiples",
        initial="1, 2",
        help_text="Blocks are the sum of the ratios times one of these, chosen at random. "
        "For 1:1 and '1, 2' blocks are 2 or 4 long.",
        error_messages=_errors("Enter at least one block size multiple"),
    )
    minimisation_probability = forms.FloatField(
        label="Minimisation: probability of choosing the arm that minimises imbalance",
        min_value=0.5,
        max_value=1.0,
        initial=0.8,
        error_messages=_errors(
            "Enter a probability",
            invalid="Enter a number like 0.8",
            min_value="Enter 0.5 or more",
            max_value="Enter 1 or less",
        ),
    )
    reason = forms.CharField(
        label="Reason for the change",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed once the study has left draft.",
    )

    def __init__(self, *args: Any, study: Study, **kwargs: Any):
        super().__init__(*args, **kwargs)
        choices = [("council", "Council"), ("region", "Region")] + [
            (q.key, q.label)
            for q in study.baseline_questions.filter(kind=BaselineQuestion.Kind.CHOICE)
            if q.key not in COUNCIL_FACTORS
        ]
        self.fields["strata"].choices = choices  # type: ignore[attr-defined]

    def clean_block_multiples(self) -> list[int]:
        raw = self.cleaned_data["block_multiples"]
        try:
            multiples = [int(part) for part in raw.replace(",", " ").split()]
        except ValueError:
            raise ValidationError("Enter whole numbers separated by commas, like 1, 2") from None
        if not multiples or any(m < 1 or m > 10 for m in multiples):
            raise ValidationError("Enter whole numbers from 1 to 10, like 1, 2")
        return multiples


class CouncilForm(forms.Form):
    name = forms.CharField(
        label="Council name", max_length=120, error_messages=_errors("Enter the council's name")
    )
    region = forms.CharField(
        label="Region", max_length=80, required=False, help_text="For example, North East."
    )


class PhaseForm(forms.Form):
    name = forms.CharField(
        label="Phase name", max_length=120, error_messages=_errors("Enter a name")
    )
    randomise_before = forms.BooleanField(
        label="Randomise participants before this phase starts", required=False
    )
    ordering = forms.ChoiceField(
        label="Order of cases",
        choices=Phase.Ordering.choices,
        widget=forms.RadioSelect,
        initial=Phase.Ordering.FIXED,
        error_messages=_errors("Select the order of cases"),
    )
    opens_at = forms.DateField(
        label="Opens on (optional)",
        required=False,
        help_text="For a later wave. Use the format 2026-03-31. Leave blank to open at once.",
        error_messages={"invalid": "Enter a date like 2026-03-31"},
        widget=forms.DateInput(attrs={"type": "text"}),
    )


class BaselineQuestionForm(forms.Form):
    key = forms.SlugField(
        label="Key",
        max_length=40,
        help_text="Short identifier used in exports and strata.",
        error_messages=_errors("Enter a key", invalid="Use only letters, numbers, - and _"),
    )
    label = forms.CharField(
        label="Question", max_length=300, error_messages=_errors("Enter the question")
    )
    help_text = forms.CharField(label="Hint (optional)", max_length=300, required=False)
    kind = forms.ChoiceField(
        label="Type of answer",
        choices=BaselineQuestion.Kind.choices,
        widget=forms.RadioSelect,
        error_messages=_errors("Select the type of answer"),
    )
    choices = forms.CharField(
        label="Answers to choose from",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="One per line. Only for 'One of a list'.",
    )
    required = forms.BooleanField(label="An answer is required", required=False, initial=True)

    def clean_choices(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["choices"].splitlines() if line.strip()]


class EligibilityQuestionForm(forms.Form):
    text = forms.CharField(
        label="Question", max_length=300, error_messages=_errors("Enter the question")
    )
    help_text = forms.CharField(label="Hint (optional)", max_length=300, required=False)
    eligible_answer = forms.ChoiceField(
        label="Which answer makes someone eligible?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        initial="yes",
        error_messages=_errors("Select yes or no"),
    )


class ConsentTextForm(forms.Form):
    text = forms.CharField(
        label="Participant information and consent statements",
        help_text="Markdown: # for headings, - for lists. Once anyone has agreed to a version, "
        "saving makes a new version.",
        widget=forms.Textarea(attrs={"rows": 20}),
        error_messages=_errors("Enter the consent text"),
    )
    require_reconsent = forms.BooleanField(
        label="Ask everyone who has already agreed to read and agree to this version "
        "before they continue",
        help_text="Use this when the change matters to people already taking part (for "
        "example, what happens to their data). Their agreement to each version is recorded.",
        required=False,
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label="New status", widget=forms.RadioSelect, error_messages=_errors("Select a status")
    )
    reason = forms.CharField(
        label="Reason (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, allowed: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = allowed  # type: ignore[attr-defined]


ROLE_HINT = (
    "Study administrators change everything; researchers run the study; analysts and the "
    "data monitoring committee only read (the committee sees the real arm names while the "
    "study is blinded); a council lead sees only their council's progress counts."
)


class RoleForm(forms.Form):
    role = forms.ChoiceField(
        label="Role",
        help_text=ROLE_HINT,
        choices=StudyMembership.Role.choices,
        widget=forms.RadioSelect,
        error_messages=_errors("Select a role"),
    )
    council = forms.ModelChoiceField(
        label="Council (council leads only)",
        queryset=Council.objects.none(),
        required=False,
        empty_label="No council",
        help_text="The council whose progress a council lead sees. Leave empty for other roles.",
        error_messages=_errors("Select a council"),
    )

    def __init__(self, *args: Any, study: Study, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["council"].queryset = study.councils.order_by("name")  # type: ignore[attr-defined]


class MembershipForm(RoleForm):
    email = forms.EmailField(
        label="Email address",
        error_messages=_errors(
            "Enter an email address",
            invalid="Enter an email address in the correct format, like name@example.com",
        ),
    )
    field_order = ["email", "role", "council"]


class ConfirmReasonForm(forms.Form):
    """Data lock and unblinding: a reason for the audit trail, and (unblinding) a tick."""

    reason = forms.CharField(
        label="Reason",
        help_text="Recorded in the study's audit trail.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages=_errors("Give a reason, for the audit trail"),
    )


class UnblindForm(ConfirmReasonForm):
    confirm = forms.BooleanField(
        label="I understand that every member of the study team will see the real arm names "
        "and that this cannot be undone",
        error_messages=_errors("Confirm that you want to unblind the study"),
    )


class InvitationCsvForm(forms.Form):
    file = TextUploadField(
        max_bytes=2 * MB,
        label="Upload a CSV file",
        help_text="Two columns with a header row: email,council. The council is its name or "
        "its code.",
        error_messages=_errors(
            "Choose a CSV file", not_utf8="The file must be a CSV saved as UTF-8"
        ),
    )


class CodesForm(forms.Form):
    council = forms.TypedChoiceField(
        label="Council", coerce=int, error_messages=_errors("Select a council")
    )
    count = forms.IntegerField(
        label="How many codes",
        min_value=1,
        max_value=500,
        initial=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        error_messages=_errors(
            "Enter how many codes to make",
            invalid="Enter a whole number",
            min_value="Make at least 1 code",
            max_value="Make at most 500 codes at a time",
        ),
    )

    def __init__(self, *args: Any, study: Study, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["council"].choices = [  # type: ignore[attr-defined]
            ("", "Choose a council")
        ] + [(c.pk, c.name) for c in study.councils.all()]


class DesignImportForm(forms.Form):
    file = TextUploadField(
        max_bytes=1 * MB,
        label="Upload a design file",
        help_text="A .yaml file exported from Casecast.",
        error_messages=_errors("Choose a design file"),
    )


class AdvanceListForm(forms.Form):
    per_stratum = forms.IntegerField(
        label="Allocations per stratum",
        min_value=1,
        max_value=2000,
        initial=100,
        error_messages=_errors(
            "Enter how many allocations to list for each stratum",
            invalid="Enter a whole number, like 100",
            min_value="Enter 1 or more",
            max_value="Enter 2,000 or less",
        ),
    )


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


# --- Trial planner ------------------------------------------------------------------


def _whole(label: str, low: int, high: int, *, hint: str, required: str, noun: str) -> Any:
    return forms.IntegerField(
        label=label,
        min_value=low,
        max_value=high,
        help_text=hint,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
        error_messages=_errors(
            required,
            invalid=f"{noun} must be a whole number, like {low + 1 if low < high else low}",
            min_value=f"{noun} must be {low} or more",
            max_value=f"{noun} must be {high} or fewer",
        ),
    )


def _decimal(label: str, low: float, high: float, *, hint: str, noun: str, **kw: Any) -> Any:
    return forms.FloatField(
        label=label,
        min_value=low,
        max_value=high,
        help_text=hint,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"}),
        error_messages=_errors(
            f"Enter the {noun.lower()}",
            invalid=f"{noun} must be a number, like {kw.pop('example')}",
            min_value=f"{noun} must be {low:g} or more",
            max_value=f"{noun} must be {high:g} or less",
        ),
        **kw,
    )


class TrialPlanForm(forms.Form):
    """The inputs of `casecast.analysis.power.plan`, checked one by one so each error
    names its field (the planner's own checks back them up)."""

    arms = _whole(
        "Number of arms, including the control arm",
        2,
        10,
        hint="For example, 4: a control arm and three interventions.",
        required="Enter the number of arms",
        noun="The number of arms",
    )
    per_arm = _whole(
        "Participants per arm",
        2,
        5000,
        hint="The number analysed in each arm.",
        required="Enter the number of participants per arm",
        noun="Participants per arm",
    )
    councils_per_arm = _whole(
        "Councils per arm",
        0,
        500,
        hint="Councils randomised to each arm (cluster randomisation). Enter 0 if "
        "participants are randomised one by one.",
        required="Enter the number of councils per arm, or 0",
        noun="Councils per arm",
    )
    questions = _whole(
        "Questions after randomisation",
        1,
        200,
        hint="Yes/no questions each participant answers in the primary outcome.",
        required="Enter the number of questions",
        noun="The number of questions",
    )
    icc = _decimal(
        "Intra-cluster correlation (ICC)",
        0.0,
        0.5,
        hint="How alike participants in one council are, from 0 to 0.5; for example 0.05. "
        "Enter 0 without councils.",
        noun="The ICC",
        example="0.05",
    )
    control_brier = _decimal(
        "Expected Brier score in the control arm (optional)",
        0.0,
        1.0,
        hint="For example, 0.22. Leave blank to use the model's own, about 0.22.",
        noun="The control Brier score",
        example="0.22",
        required=False,
    )
    effect_pct = _decimal(
        "Effect to detect, as a percentage reduction in the Brier score",
        0.0,
        99.0,
        hint="How much lower each intervention arm's expected Brier score is than the "
        "control's; for example 10 for 10%.",
        noun="The effect",
        example="10",
    )
    sims = _whole(
        "Simulated trials",
        10,
        2000,
        hint="More gives a smaller Monte Carlo error and takes longer: 1,000 takes a few seconds.",
        required="Enter the number of simulated trials",
        noun="The number of simulated trials",
    )
    seed = _whole(
        "Random seed",
        0,
        2**31 - 1,
        hint="The same seed and inputs give the same answer every time.",
        required="Enter a random seed, like 1",
        noun="The seed",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        councils, per_arm = data.get("councils_per_arm"), data.get("per_arm")
        if councils == 1:
            self.add_error(
                "councils_per_arm",
                "Enter 0 councils per arm, or 2 or more: one council per "
                "arm cannot separate the arms from the councils",
            )
        elif councils is not None and per_arm is not None and councils > per_arm:
            self.add_error(
                "councils_per_arm", "Councils per arm cannot be more than participants per arm"
            )
        if data.get("icc") and councils == 0:
            self.add_error(
                "icc", "Enter an ICC of 0, or enter councils per arm: an ICC needs councils"
            )
        return data


class AnalysisPlanForm(forms.Form):
    """The statistical analysis plan; the service checks it again (`plan_problems`)."""

    primary_forecast = forms.ChoiceField(
        label="Which forecast on each question counts towards the primary outcome",
        choices=AnalysisPlan.PrimaryForecast.choices,
        widget=forms.RadioSelect,
        error_messages=_errors("Select which forecast counts"),
    )
    secondary_outcomes = forms.MultipleChoiceField(
        label="Secondary outcomes",
        required=False,
        choices=list(SECONDARY_LABELS.items()),
        widget=forms.CheckboxSelectMultiple,
    )
    estimand = forms.ChoiceField(
        label="Primary estimand",
        choices=AnalysisPlan.Estimand.choices,
        widget=forms.RadioSelect,
        help_text="The other one is reported as a sensitivity analysis.",
        error_messages=_errors("Select the primary estimand"),
    )
    covariates = forms.MultipleChoiceField(
        label="Adjust the comparison for",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Baseline Brier and the stratification or minimisation factors are the "
        "usual choice.",
    )
    multiplicity = forms.ChoiceField(
        label="Adjustment for comparing several arms with the control",
        choices=AnalysisPlan.Multiplicity.choices,
        widget=forms.RadioSelect,
        error_messages=_errors("Select an adjustment"),
    )
    analysis_set = forms.ChoiceField(
        label="Primary analysis set",
        choices=AnalysisPlan.AnalysisSet.choices,
        widget=forms.RadioSelect,
        help_text="The other set is reported as a sensitivity analysis.",
        error_messages=_errors("Select the primary analysis set"),
    )
    missing_baseline = forms.ChoiceField(
        label="Participants without a baseline Brier score",
        choices=AnalysisPlan.MissingBaseline.choices,
        widget=forms.RadioSelect,
        error_messages=_errors("Select what to do with a missing baseline"),
    )
    alpha = forms.FloatField(
        label="Significance level (alpha)",
        min_value=0.0001,
        max_value=0.2,
        error_messages=_errors(
            "Enter the significance level",
            invalid="Enter a number like 0.05",
            min_value="Enter a number above 0",
            max_value="Enter 0.2 or less",
        ),
    )
    bootstrap_replicates = forms.IntegerField(
        label="Bootstrap replicates (vignettes like these)",
        min_value=100,
        max_value=20000,
        error_messages=_errors(
            "Enter the number of replicates",
            invalid="Enter a whole number like 1000",
            min_value="Enter 100 or more",
            max_value="Enter 20000 or less",
        ),
    )
    seed = forms.IntegerField(
        label="Bootstrap seed",
        min_value=0,
        max_value=2**31 - 1,
        help_text="The same seed and data always give the same intervals.",
        error_messages=_errors("Enter a seed", invalid="Enter a whole number"),
    )
    notes = forms.CharField(
        label="Other pre-specified analyses or notes",
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    reason = forms.CharField(
        label="Reason for the change",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed once anyone has been randomised: the change makes a new design version.",
    )

    def __init__(self, *args: Any, study: Study, **kwargs: Any):
        super().__init__(*args, **kwargs)
        questions = study.baseline_questions.filter(
            kind__in=[BaselineQuestion.Kind.CHOICE, BaselineQuestion.Kind.NUMBER]
        )
        self.fields["covariates"].choices = [  # type: ignore[attr-defined]
            *COVARIATE_LABELS.items(),
            *((q.key, f"Baseline answer: {q.label}") for q in questions),
        ]

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("reason")
        return data
