"""Case vignettes, their stages and forecast questions.

A `Vignette` is the identity of a case within a study. Its content lives in
numbered `VignetteVersion`s; stages and questions belong to one version, and
forecasts point to a question of the version the participant saw — forever.
Outcomes are stored on each question (copied into new versions) so a bank file
carries them. `PhaseVignette` is the phase plan: which vignettes each phase of a
study delivers, to everyone or to one arm.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from casecast.core.versioning import VersionedContent
from casecast.vignettes import kinds


class Vignette(models.Model):
    study = models.ForeignKey("studies.Study", on_delete=models.CASCADE, related_name="vignettes")
    key = models.SlugField(max_length=60, help_text="Stable identifier within the study and bank.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["study", "key"]
        constraints = [
            models.UniqueConstraint(fields=["study", "key"], name="vignette_key_unique_in_study")
        ]

    def __str__(self) -> str:
        return self.key

    def current_version(self) -> VignetteVersion:
        return self.versions.current()  # type: ignore[return-value]


class VignetteVersion(VersionedContent):
    class Source(models.TextChoices):
        FICTIONAL = "fictional", "Fictional"
        ANONYMISED = "anonymised", "Anonymised from a real case"

    vignette = models.ForeignKey(Vignette, on_delete=models.CASCADE, related_name="versions")
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True, help_text="One or two sentences shown in the task list.")
    tags = models.JSONField(default=list, blank=True)
    difficulty = models.CharField(max_length=20, blank=True)
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.FICTIONAL)
    source_note = models.TextField(
        blank=True, help_text="Which local authority and agreement, for anonymised cases."
    )
    family = models.JSONField(
        default=list,
        blank=True,
        help_text="Optional family-structure table: [{name, relationship, age, notes}].",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["vignette", "number"]
        constraints = [
            models.UniqueConstraint(fields=["vignette", "number"], name="vignette_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.number})"


class Stage(models.Model):
    """One part of the case, revealed in order (referral → home visit → strategy meeting)."""

    version = models.ForeignKey(VignetteVersion, on_delete=models.CASCADE, related_name="stages")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Case text in Markdown (headings, lists, emphasis, tables).")

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="stage_position_unique")
        ]

    def __str__(self) -> str:
        return f"{self.version}: stage {self.position}"


DEFAULT_DECISIONS = list(kinds.DEFAULT_DECISIONS)

# The stated 5-point scale for confidence in a decision (1 = lowest).
DEFAULT_CONFIDENCE_SCALE = [
    "Not at all confident",
    "Slightly confident",
    "Moderately confident",
    "Very confident",
    "Completely confident",
]


class Question(models.Model):
    # The registered kinds (vignettes/kinds.py) as the field's choices, one member per kind
    # named by its upper-cased value (Question.Kind.BINARY is kinds.BINARY.value). Built from the
    # registry so a new kind is declared in one place; django-stubs cannot type members
    # made at import time (hence the ignore), so code asks `kinds` rather than `Kind`.
    Kind = models.TextChoices(  # type: ignore[call-overload]
        "Kind", [(kind.value.upper(), kind.choice) for kind in kinds.registered()]
    )

    class NumericFormat(models.TextChoices):
        QUANTILES = "quantiles", "5th, 50th and 95th percentiles"
        INTERVAL = "interval", "Lower and upper bound with stated confidence"

    version = models.ForeignKey(VignetteVersion, on_delete=models.CASCADE, related_name="questions")
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="questions")
    key = models.SlugField(max_length=60)
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    text = models.CharField(max_length=400)
    help_text = models.CharField(max_length=400, blank=True)
    options = models.JSONField(
        default=list,
        blank=True,
        help_text="Option labels for multiple choice, ordered and decision questions.",
    )
    numeric_format = models.CharField(max_length=10, choices=NumericFormat.choices, blank=True)
    interval_confidence = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Stated confidence of an interval answer, e.g. 90."
    )
    unit = models.CharField(max_length=40, blank=True)
    confidence_scale = models.JSONField(
        default=list,
        blank=True,
        help_text="For a decision: the five labels of its confidence scale, lowest first.",
    )
    required = models.BooleanField(default=True)
    relates_to = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decisions",
        help_text="For a decision: the forecast question it relates to.",
    )
    earlier = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="later",
        help_text="The same forecast asked at an earlier stage (for analysing updates).",
    )
    base_rate = models.FloatField(
        null=True, blank=True, help_text="Reference-class base rate, shown to arms that include it."
    )
    base_rate_note = models.CharField(max_length=300, blank=True)
    # Outcome, once known (recorded through the resolution workflow).
    outcome_binary = models.BooleanField(null=True, blank=True)
    outcome_category = models.PositiveSmallIntegerField(null=True, blank=True)
    outcome_numeric = models.FloatField(null=True, blank=True)
    outcome_known_at = models.DateField(null=True, blank=True)
    outcome_source = models.CharField(max_length=300, blank=True)
    annulled = models.BooleanField(default=False, help_text="Excluded from scores.")

    class Meta:
        ordering = ["version", "stage__position", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "key"], name="question_key_unique_in_version"
            ),
            models.CheckConstraint(
                condition=Q(base_rate__isnull=True) | (Q(base_rate__gte=0) & Q(base_rate__lte=1)),
                name="question_base_rate_probability",
            ),
            models.CheckConstraint(
                condition=Q(interval_confidence__isnull=True)
                | (Q(interval_confidence__gt=0) & Q(interval_confidence__lt=100)),
                name="question_interval_confidence_range",
            ),
            models.CheckConstraint(
                condition=~Q(kind=kinds.BINARY.value)
                | Q(outcome_category__isnull=True, outcome_numeric__isnull=True),
                name="question_binary_outcome_only",
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def declared_kind(self) -> kinds.QuestionKind | None:
        """The registry's declaration of this question's kind (None for an unknown name)."""
        return kinds.find(self.kind)

    @property
    def is_forecast(self) -> bool:
        kind = self.declared_kind
        return kind is not None and kind.is_forecast

    @property
    def confidence_labels(self) -> list[str]:
        return list(self.confidence_scale) or list(DEFAULT_CONFIDENCE_SCALE)

    @property
    def outcome_display(self) -> str:
        """The outcome as a researcher reads it: Yes/No, an option's label or a number."""
        if self.outcome_binary is not None:
            return "Yes" if self.outcome_binary else "No"
        if self.outcome_category is not None:
            options = list(self.options)
            if self.outcome_category < len(options):
                return str(options[self.outcome_category])
            return f"option {self.outcome_category}"
        if self.outcome_numeric is not None:
            number = self.outcome_numeric
            text = str(int(number)) if float(number).is_integer() else str(number)
            return f"{text} {self.unit}".strip()
        return ""

    @property
    def has_outcome(self) -> bool:
        return (
            self.outcome_binary is not None
            or self.outcome_category is not None
            or self.outcome_numeric is not None
        )


class PhaseVignette(models.Model):
    """Delivery plan: which vignettes a phase gives, optionally to one arm only."""

    phase = models.ForeignKey("studies.Phase", on_delete=models.CASCADE, related_name="items")
    vignette = models.ForeignKey(Vignette, on_delete=models.PROTECT, related_name="phase_items")
    position = models.PositiveSmallIntegerField(default=0)
    arm = models.ForeignKey(
        "studies.Arm",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Only participants in this arm get it; empty means everyone.",
    )
    is_retest = models.BooleanField(
        default=False, help_text="A repeat of a vignette from an earlier phase (test–retest)."
    )

    class Meta:
        # Created as `forecasts.PhaseVignette` and moved here without touching the
        # database (migrations vignettes 0003 / forecasts 0004), so it keeps its table.
        db_table = "forecasts_phasevignette"
        ordering = ["phase", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["phase", "vignette", "arm"], name="phase_vignette_once_per_arm"
            ),
            models.UniqueConstraint(
                fields=["phase", "vignette"],
                condition=Q(arm__isnull=True),
                name="phase_vignette_once_for_all",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.phase} #{self.position}: {self.vignette}"


class OutcomeRecord(models.Model):
    """One change to a question's outcome, kept for ever: the outcome history.

    Written every time an outcome is recorded, corrected, annulled or reinstated (by the
    resolution services and by bank import; `outcome_history.outcome_history_add`). A change
    applies to the question's key in every version of its vignette, so a row names the
    vignette and the key, and the question it was made on. Rows are never changed or
    deleted (`save` and `delete` refuse); the question keeps the current state.
    """

    class Kind(models.TextChoices):
        RECORDED = "recorded", "Outcome recorded"
        CORRECTED = "corrected", "Outcome corrected"
        ANNULLED = "annulled", "Question annulled"
        REINSTATED = "reinstated", "Question reinstated"
        EXISTING = "existing", "Outcome present when the history began"

    # Kinds that carry an outcome value; the others (annul, reinstate) carry none.
    WITH_VALUE = (Kind.RECORDED, Kind.CORRECTED, Kind.EXISTING)
    # Kinds a person must give a reason for.
    WITH_REASON = (Kind.CORRECTED, Kind.ANNULLED, Kind.REINSTATED)

    study = models.ForeignKey("studies.Study", on_delete=models.CASCADE, related_name="+")
    vignette = models.ForeignKey(Vignette, on_delete=models.CASCADE, related_name="+")
    question_key = models.SlugField(max_length=60)
    question = models.ForeignKey(
        Question,
        on_delete=models.CASCADE,
        related_name="outcome_records",
        help_text="The question the change was made on (it applies to every version).",
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    outcome_binary = models.BooleanField(null=True, blank=True)
    outcome_category = models.PositiveSmallIntegerField(null=True, blank=True)
    outcome_numeric = models.FloatField(null=True, blank=True)
    outcome_known_at = models.DateField(null=True, blank=True)
    outcome_source = models.CharField(max_length=300, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who made the change; empty for the command line and the backfill.",
    )
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["study", "at", "pk"]
        indexes = [models.Index(fields=["study", "at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind__in=["recorded", "corrected", "annulled", "reinstated", "existing"]
                ),
                name="outcome_record_kind_known",
            ),
            # A recorded, corrected or existing outcome has exactly one value (its date may
            # be unknown when it came from a bank file); an annulment or reinstatement has
            # neither.
            models.CheckConstraint(
                condition=(
                    Q(kind__in=["recorded", "corrected", "existing"])
                    & (
                        Q(
                            outcome_binary__isnull=False,
                            outcome_category__isnull=True,
                            outcome_numeric__isnull=True,
                        )
                        | Q(
                            outcome_binary__isnull=True,
                            outcome_category__isnull=False,
                            outcome_numeric__isnull=True,
                        )
                        | Q(
                            outcome_binary__isnull=True,
                            outcome_category__isnull=True,
                            outcome_numeric__isnull=False,
                        )
                    )
                )
                | Q(
                    kind__in=["annulled", "reinstated"],
                    outcome_binary__isnull=True,
                    outcome_category__isnull=True,
                    outcome_numeric__isnull=True,
                    outcome_known_at__isnull=True,
                ),
                name="outcome_record_value_matches_kind",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["corrected", "annulled", "reinstated"]) | ~Q(reason=""),
                name="outcome_record_reason_given",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.question_key} ({self.at:%Y-%m-%d})"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise ValueError("The outcome history is append-only: add a new record instead.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ValueError("The outcome history is append-only: records are never deleted.")
