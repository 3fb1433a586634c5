"""A study is run as a randomised controlled trial.

Design fields that would invalidate the trial once recruiting (arms, ratios,
scheme, strata) live in numbered `DesignVersion` rows; allocations record the
version they were made under. The allocation log is append-only.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from casecast.audit.models import AppendOnlyError
from casecast.core.versioning import VersionedContent


def _new_secret() -> str:
    return secrets.token_hex(32)


def _new_code() -> str:
    # No 0/O/1/I: codes are read aloud and typed from paper.
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(8))


class Study(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        RECRUITING = "recruiting", "Recruiting"
        RUNNING = "running", "Running"
        CLOSED = "closed", "Closed"
        ARCHIVED = "archived", "Archived"

    class OutcomeRelease(models.TextChoices):
        IMMEDIATELY = "immediately", "Immediately after answering"
        AFTER_PHASE = "after_phase", "After the phase is complete"
        AFTER_STUDY = "after_study", "After the study closes"
        NEVER = "never", "Never"

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    public_description = models.TextField(blank=True)
    preregistration_url = models.URLField(blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    enrolment_code = models.CharField(
        max_length=16,
        unique=True,
        null=True,
        blank=True,
        help_text="Study-wide code for self-enrolment; empty means invitation only.",
    )
    allow_no_email = models.BooleanField(
        default=False,
        help_text="Code enrolment may skip the email address (the participant bookmarks a link).",
    )
    offers_network_linking = models.BooleanField(
        default=False,
        help_text="The consent page asks whether to link this study's answers with the "
        "participant's answers in other Casecast studies (optional for them).",
    )
    outcome_release = models.CharField(
        max_length=12, choices=OutcomeRelease.choices, default=OutcomeRelease.AFTER_PHASE
    )
    # Secrets: never shown to study staff or participants.
    allocation_seed = models.CharField(max_length=64, default=_new_secret, editable=False)
    pseudonym_key = models.CharField(max_length=64, default=_new_secret, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Blinding lifecycle (docs/analysis.md): data lock stops forecasts and freezes
    # outcomes; only then may a study administrator unblind.
    data_locked_at = models.DateTimeField(null=True, blank=True, editable=False)
    unblinded_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name_plural = "studies"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(unblinded_at__isnull=True) | Q(data_locked_at__isnull=False),
                name="study_unblinded_only_after_data_lock",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_recruiting(self) -> bool:
        return self.status == self.Status.RECRUITING

    @property
    def is_data_locked(self) -> bool:
        return self.data_locked_at is not None


class StudyMembership(models.Model):
    """Study staff: who may see and do what in one study."""

    class Role(models.TextChoices):
        ADMIN = "admin", "Study administrator"
        RESEARCHER = "researcher", "Researcher"
        ANALYST = "analyst", "Read-only analyst"
        DMC = "dmc", "Data monitoring committee"
        COUNCIL_LEAD = "council_lead", "Council lead"

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=12, choices=Role.choices)
    council = models.ForeignKey(
        "Council",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
        help_text="The council a council lead sees progress counts for; empty for other roles.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["study", "user"], name="membership_once_per_study"),
            models.CheckConstraint(
                condition=Q(role="council_lead", council__isnull=False)
                | (~Q(role="council_lead") & Q(council__isnull=True)),
                name="membership_council_only_for_council_leads",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_role_display()} in {self.study}"


class DesignVersion(VersionedContent):
    """The trial-critical design, frozen once the study leaves draft."""

    class Scheme(models.TextChoices):
        SIMPLE = "simple", "Simple randomisation"
        BLOCKS = "blocks", "Stratified permuted blocks"
        MINIMISATION = "minimisation", "Minimisation (Pocock & Simon)"

    class Unit(models.TextChoices):
        PARTICIPANT = "participant", "Individual participants"
        COUNCIL = "council", "Councils (cluster randomisation)"

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="design_versions")
    scheme = models.CharField(max_length=14, choices=Scheme.choices, default=Scheme.BLOCKS)
    unit = models.CharField(max_length=12, choices=Unit.choices, default=Unit.PARTICIPANT)
    strata = models.JSONField(
        default=list,
        blank=True,
        help_text=(
            "Stratification/minimisation factors: 'council', 'region' or baseline question keys."
        ),
    )
    block_multiples = models.JSONField(default=list, blank=True)
    minimisation_probability = models.FloatField(default=0.8)
    arms = models.JSONField(
        default=list, help_text="Snapshot of arms: [{key, name, ratio, is_control}], control first."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["study", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["study", "number"], name="design_version_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(minimisation_probability__gt=0.5)
                & Q(minimisation_probability__lte=1.0),
                name="design_minimisation_probability_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.study} design v{self.number}"


class Arm(models.Model):
    class FeedbackPolicy(models.TextChoices):
        NONE = "none", "No feedback (control)"
        OUTCOME = "outcome", "Outcome feedback"
        CALIBRATION = "calibration", "Calibration feedback"
        PEER = "peer", "Peer comparison"
        PROFILE = "profile", "Judgement profile"

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="arms")
    key = models.SlugField(max_length=40)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    ratio = models.PositiveSmallIntegerField(default=1)
    is_control = models.BooleanField(default=False)
    feedback_policies = models.JSONField(
        default=list, blank=True, help_text="Any of: outcome, calibration, peer, profile."
    )
    training_module = models.CharField(
        max_length=40, blank=True, help_text="Key of a training module this arm completes."
    )
    shows_base_rates = models.BooleanField(default=False)
    team_size = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="A team arm places its participants in teams of this size (docs/teams.md); "
        "empty for an arm of individuals.",
    )
    # The letter staff see while the study is blinded ("Arm B"): a random permutation
    # stored at the first randomisation (casecast.studies.blinding), never re-drawn.
    blind_code = models.CharField(max_length=2, blank=True, editable=False)

    class Meta:
        ordering = ["study", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["study", "blind_code"],
                condition=~Q(blind_code=""),
                name="arm_blind_code_unique_in_study",
            ),
            models.UniqueConstraint(fields=["study", "key"], name="arm_key_unique_in_study"),
            models.UniqueConstraint(
                fields=["study"], condition=Q(is_control=True), name="arm_one_control_per_study"
            ),
            models.CheckConstraint(condition=Q(ratio__gte=1), name="arm_ratio_positive"),
            # A team of one is an individual: such an arm leaves team_size empty.
            models.CheckConstraint(
                condition=Q(team_size__isnull=True) | Q(team_size__gte=2),
                name="arm_team_size_at_least_two",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Council(models.Model):
    """A local authority: a site, and the cluster under cluster randomisation."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="councils")
    name = models.CharField(max_length=120)
    region = models.CharField(max_length=80, blank=True)
    enrolment_code = models.CharField(
        max_length=16,
        unique=True,
        null=True,
        blank=True,
        default=_new_code,
        help_text="Per-council code: enrolling with it sets the participant's council.",
    )
    arm = models.ForeignKey(
        Arm,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="councils",
        help_text="Set once, under cluster randomisation, when the first participant enrols.",
    )

    class Meta:
        ordering = ["study", "name"]
        constraints = [
            models.UniqueConstraint(fields=["study", "name"], name="council_name_unique_in_study")
        ]

    def __str__(self) -> str:
        return self.name


class Phase(models.Model):
    """An ordered block of vignettes; randomisation may happen before it starts."""

    class Ordering(models.TextChoices):
        FIXED = "fixed", "Fixed order"
        RANDOM = "random", "Random order per participant"
        LATIN_SQUARE = "latin_square", "Counterbalanced (Latin square)"

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="phases")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=120)
    randomise_before = models.BooleanField(
        default=False,
        help_text="Participants are allocated to an arm before starting this phase.",
    )
    ordering = models.CharField(max_length=14, choices=Ordering.choices, default=Ordering.FIXED)
    opens_at = models.DateTimeField(
        null=True, blank=True, help_text="Release date for a later wave; empty means open."
    )

    class Meta:
        ordering = ["study", "position"]
        constraints = [
            models.UniqueConstraint(fields=["study", "position"], name="phase_position_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.study}: {self.name}"


class ConsentVersion(VersionedContent):
    """Consent text, never edited once a participant has agreed to it."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="consent_versions")
    text = models.TextField(help_text="Participant information and consent statements (Markdown).")
    created_at = models.DateTimeField(auto_now_add=True)
    requires_reconsent = models.BooleanField(
        default=False,
        help_text="Participants who agreed to an earlier version must agree to this one "
        "before they can continue.",
    )

    class Meta:
        ordering = ["study", "number"]
        constraints = [
            models.UniqueConstraint(fields=["study", "number"], name="consent_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.study} consent v{self.number}"


class ConsentRecord(models.Model):
    """One participant's agreement to one consent version (first consent and each re-consent)."""

    participant = models.ForeignKey(
        "Participant", on_delete=models.CASCADE, related_name="consent_records"
    )
    consent_version = models.ForeignKey(
        ConsentVersion, on_delete=models.PROTECT, related_name="records"
    )
    agreed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["participant", "agreed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "consent_version"], name="consent_record_once_per_version"
            ),
        ]

    def __str__(self) -> str:
        return f"participant {self.participant_id} agreed to consent v{self.consent_version_id}"


class BaselineQuestion(models.Model):
    class Kind(models.TextChoices):
        CHOICE = "choice", "One of a list"
        NUMBER = "number", "Whole number"
        TEXT = "text", "Short text"

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="baseline_questions")
    key = models.SlugField(max_length=40)
    label = models.CharField(max_length=300)
    help_text = models.CharField(max_length=300, blank=True)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    choices = models.JSONField(default=list, blank=True)
    required = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["study", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["study", "key"], name="baseline_key_unique_in_study"),
        ]

    def __str__(self) -> str:
        return self.label


class EnrolmentRoute(models.TextChoices):
    INVITATION = "invitation", "Email invitation"
    COUNCIL_CODE = "council_code", "Council code"
    SINGLE_USE_CODE = "single_code", "Single-use code"
    STUDY_CODE = "study_code", "Study code"


class EligibilityQuestion(models.Model):
    """A yes/no question asked before code enrolment; the wrong answer ends enrolment."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="eligibility_questions")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(max_length=300)
    help_text = models.CharField(max_length=300, blank=True)
    eligible_answer = models.BooleanField(
        default=True, help_text="The answer that makes someone eligible."
    )

    class Meta:
        ordering = ["study", "position", "pk"]

    def __str__(self) -> str:
        return self.text


class Participant(models.Model):
    """A person's place in one study. Survives erasure, stripped of personal data."""

    class Status(models.TextChoices):
        ENROLLED = "enrolled", "Enrolled"
        CONSENTED = "consented", "Consented"
        BASELINE_DONE = "baseline_done", "Completed baseline"
        RANDOMISED = "randomised", "Randomised"
        WITHDRAWN = "withdrawn", "Withdrawn"

    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="participations",
    )
    council = models.ForeignKey(
        Council,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="participants",
        help_text="Set by the researcher (invitation CSV or council code); empty for a study code.",
    )
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.ENROLLED)
    enrolled_via = models.CharField(
        max_length=14, choices=EnrolmentRoute.choices, default=EnrolmentRoute.INVITATION
    )
    enrolled_at = models.DateTimeField(auto_now_add=True)
    consent_version = models.ForeignKey(
        ConsentVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    consented_at = models.DateTimeField(null=True, blank=True)
    linked_across_studies_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When they agreed to link their answers across studies; empty: never, or "
        "they withdrew that agreement. Only then does a network pseudonym exist for them.",
    )
    baseline = models.JSONField(default=dict, blank=True)
    baseline_completed_at = models.DateTimeField(null=True, blank=True)
    arm = models.ForeignKey(
        Arm, null=True, blank=True, on_delete=models.PROTECT, related_name="participants"
    )
    randomised_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    keep_data = models.BooleanField(
        null=True, blank=True, help_text="On withdrawal: may data given so far be analysed?"
    )
    erased_at = models.DateTimeField(null=True, blank=True)
    reminders_opt_out = models.BooleanField(default=False)

    class Meta:
        ordering = ["study", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["study", "user"],
                condition=Q(user__isnull=False),
                name="participant_once_per_study",
            ),
            models.CheckConstraint(
                condition=Q(consented_at__isnull=True) | Q(consent_version__isnull=False),
                name="participant_consent_has_version",
            ),
            models.CheckConstraint(
                condition=Q(erased_at__isnull=True) | Q(withdrawn_at__isnull=False),
                name="participant_erased_only_if_withdrawn",
            ),
        ]

    def __str__(self) -> str:
        return f"participant {self.pk} in {self.study_id}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class Allocation(models.Model):
    """Append-only allocation log: one row per randomised unit, written once."""

    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="allocations")
    sequence = models.PositiveIntegerField(help_text="0-based order of allocation in the study.")
    design_version = models.ForeignKey(DesignVersion, on_delete=models.PROTECT, related_name="+")
    participant = models.OneToOneField(
        Participant, null=True, blank=True, on_delete=models.PROTECT, related_name="allocation"
    )
    council = models.ForeignKey(
        Council,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="allocations",
        help_text="Set under cluster randomisation: the council allocated.",
    )
    arm = models.ForeignKey(Arm, on_delete=models.PROTECT, related_name="allocations")
    stratum = models.CharField(max_length=300, blank=True)
    inputs = models.JSONField(default=dict, help_text="Everything the scheme used to decide.")
    allocated_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["study", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["study", "sequence"], name="allocation_sequence_unique"
            ),
            models.UniqueConstraint(
                fields=["study", "council"],
                condition=Q(council__isnull=False),
                name="allocation_council_once",
            ),
            models.CheckConstraint(
                condition=Q(participant__isnull=False) | Q(council__isnull=False),
                name="allocation_has_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"allocation {self.sequence} in study {self.study_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("Allocations are written once and never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Allocations are written once and never deleted.")


class RandomisationState(models.Model):
    """The scheme's running state, locked (SELECT FOR UPDATE) while allocating."""

    study = models.OneToOneField(
        Study, on_delete=models.CASCADE, related_name="randomisation_state"
    )
    state = models.JSONField(default=dict)
    next_sequence = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"randomisation state of study {self.study_id}"


class Invitation(models.Model):
    """An email invitation (from the CSV upload) or a single-use code for one council."""

    class Kind(models.TextChoices):
        EMAIL = "email", "Email invitation"
        CODE = "code", "Single-use code"

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="invitations")
    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="invitations")
    kind = models.CharField(max_length=6, choices=Kind.choices)
    code = models.CharField(
        max_length=16,
        unique=True,
        null=True,
        blank=True,
        help_text="Single-use code; empty for email invitations.",
    )
    participant = models.OneToOneField(
        Participant, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitation"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["study", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="email", code__isnull=True) | Q(kind="code", code__isnull=False),
                name="invitation_code_only_for_codes",
            ),
        ]

    def __str__(self) -> str:
        return f"invitation {self.pk} ({self.kind})"


class AnalysisPlan(models.Model):
    """The statistical analysis plan (SAP) of one design version: frozen with it.

    Every design version may carry one plan; a version without one analyses by the
    defaults (`casecast.studies.analysis_plan.DEFAULTS`). After the first randomisation a
    change to the plan is a new design version with a reason (`analysis_plan_save`).
    What each field means for the analysis: docs/analysis.md ("The analysis plan").
    """

    class PrimaryForecast(models.TextChoices):
        LAST = "last", "The participant's final forecast on each question"
        FIRST = "first", "The participant's first forecast on each question"

    class Estimand(models.TextChoices):
        THESE = "these", "These vignettes (uncertainty over participants or councils)"
        LIKE_THESE = "like_these", "Vignettes like these (over participants and questions)"

    class Comparisons(models.TextChoices):
        VS_CONTROL = "each_vs_control", "Each arm against the control arm"

    class Multiplicity(models.TextChoices):
        HOLM = "holm", "Holm step-down"
        DUNNETT = "dunnett", "Dunnett (many-to-one)"

    class AnalysisSet(models.TextChoices):
        ITT = "itt", "Intention to treat: everyone randomised with a primary outcome"
        PER_PROTOCOL = "per_protocol", "Per protocol: completed their arm's training"

    class MissingBaseline(models.TextChoices):
        IMPUTE = "impute_mean", "Replace a missing baseline Brier by the mean, with an indicator"
        EXCLUDE = "exclude", "Leave out participants without a baseline Brier"

    design_version = models.OneToOneField(
        DesignVersion, on_delete=models.CASCADE, related_name="analysis_plan"
    )
    primary_forecast = models.CharField(
        max_length=8, choices=PrimaryForecast.choices, default=PrimaryForecast.LAST
    )
    secondary_outcomes = models.JSONField(
        default=list,
        blank=True,
        help_text="Any of: log_score, calibration_slope, calibration_intercept, auc, later_waves.",
    )
    estimand = models.CharField(max_length=12, choices=Estimand.choices, default=Estimand.THESE)
    covariates = models.JSONField(
        default=list,
        blank=True,
        help_text="baseline_brier, design_factors (the stratification or minimisation "
        "factors) and baseline question keys.",
    )
    comparisons = models.CharField(
        max_length=16, choices=Comparisons.choices, default=Comparisons.VS_CONTROL
    )
    multiplicity = models.CharField(
        max_length=8, choices=Multiplicity.choices, default=Multiplicity.HOLM
    )
    analysis_set = models.CharField(
        max_length=12, choices=AnalysisSet.choices, default=AnalysisSet.ITT
    )
    missing_baseline = models.CharField(
        max_length=12, choices=MissingBaseline.choices, default=MissingBaseline.IMPUTE
    )
    alpha = models.FloatField(default=0.05)
    bootstrap_replicates = models.PositiveIntegerField(default=1000)
    seed = models.PositiveIntegerField(default=1, help_text="Seed of the two-way bootstrap.")
    notes = models.TextField(blank=True, help_text="Anything else the plan pre-specifies.")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(alpha__gt=0) & Q(alpha__lte=0.2), name="analysis_plan_alpha_range"
            ),
            models.CheckConstraint(
                condition=Q(bootstrap_replicates__gte=100) & Q(bootstrap_replicates__lte=20000),
                name="analysis_plan_replicates_range",
            ),
            models.CheckConstraint(
                condition=Q(primary_forecast__in=["last", "first"]),
                name="analysis_plan_primary_forecast_valid",
            ),
            models.CheckConstraint(
                condition=Q(estimand__in=["these", "like_these"]),
                name="analysis_plan_estimand_valid",
            ),
            models.CheckConstraint(
                condition=Q(multiplicity__in=["holm", "dunnett"]),
                name="analysis_plan_multiplicity_valid",
            ),
            models.CheckConstraint(
                condition=Q(analysis_set__in=["itt", "per_protocol"]),
                name="analysis_plan_set_valid",
            ),
            models.CheckConstraint(
                condition=Q(missing_baseline__in=["impute_mean", "exclude"]),
                name="analysis_plan_missing_valid",
            ),
            models.CheckConstraint(
                condition=Q(comparisons="each_vs_control"),
                name="analysis_plan_comparisons_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"analysis plan of {self.design_version}"
