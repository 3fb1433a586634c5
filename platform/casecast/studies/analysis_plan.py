"""The statistical analysis plan (SAP) as plain values: defaults, checks, labels.

Nothing here writes. `plan_values` turns a stored `AnalysisPlan` (or its absence) into the
plain dict the design file, the report and `analyse_study --json` share; `plan_problems`
checks a dict of values and names each problem by field, so the form, the design file
import and the service all refuse bad plans with the same words.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from casecast.studies.models import AnalysisPlan, BaselineQuestion, DesignVersion, Study

SECONDARY_OUTCOMES = (
    "log_score",
    "calibration_slope",
    "calibration_intercept",
    "auc",
    "later_waves",
)
SECONDARY_LABELS = {
    "log_score": "Mean log score",
    "calibration_slope": "Calibration slope",
    "calibration_intercept": "Calibration intercept (calibration-in-the-large)",
    "auc": "Discrimination (AUC)",
    "later_waves": "Mean Brier score in each later wave",
}
BASELINE_BRIER = "baseline_brier"
DESIGN_FACTORS = "design_factors"
COVARIATE_LABELS = {
    BASELINE_BRIER: "Baseline Brier score",
    DESIGN_FACTORS: "The stratification or minimisation factors of the design",
}

# The plan a design version without a stored plan is analysed by.
DEFAULTS: dict[str, Any] = {
    "primary_forecast": AnalysisPlan.PrimaryForecast.LAST.value,
    "secondary_outcomes": list(SECONDARY_OUTCOMES),
    "estimand": AnalysisPlan.Estimand.THESE.value,
    "covariates": [BASELINE_BRIER, DESIGN_FACTORS],
    "comparisons": AnalysisPlan.Comparisons.VS_CONTROL.value,
    "multiplicity": AnalysisPlan.Multiplicity.HOLM.value,
    "analysis_set": AnalysisPlan.AnalysisSet.ITT.value,
    "missing_baseline": AnalysisPlan.MissingBaseline.IMPUTE.value,
    "alpha": 0.05,
    "bootstrap_replicates": 1000,
    "seed": 1,
    "notes": "",
}
FIELDS = tuple(DEFAULTS)
CHOICES: dict[str, tuple[str, ...]] = {
    "primary_forecast": tuple(AnalysisPlan.PrimaryForecast.values),
    "estimand": tuple(AnalysisPlan.Estimand.values),
    "comparisons": tuple(AnalysisPlan.Comparisons.values),
    "multiplicity": tuple(AnalysisPlan.Multiplicity.values),
    "analysis_set": tuple(AnalysisPlan.AnalysisSet.values),
    "missing_baseline": tuple(AnalysisPlan.MissingBaseline.values),
}


def plan_values(plan: AnalysisPlan | None) -> dict[str, Any]:
    """The plan as plain values (the defaults when the version has no stored plan)."""
    if plan is None:
        return {name: (list(v) if isinstance(v, list) else v) for name, v in DEFAULTS.items()}
    return {
        name: (list(value) if isinstance(value, list) else value)
        for name in FIELDS
        for value in [getattr(plan, name)]
    }


def version_plan(*, version: DesignVersion) -> AnalysisPlan | None:
    """The plan stored with a design version, if any (one query, no exception)."""
    return AnalysisPlan.objects.filter(design_version=version).first()


def covariate_keys(*, study: Study) -> set[str]:
    """Baseline questions a plan may adjust for: those answered with a list or a number."""
    return set(
        study.baseline_questions.filter(
            kind__in=[BaselineQuestion.Kind.CHOICE, BaselineQuestion.Kind.NUMBER]
        ).values_list("key", flat=True)
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _list_problem(value: Any, allowed: Iterable[str], what: str) -> str | None:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return f"must be a list of {what}"
    unknown = [item for item in value if item not in allowed]
    if unknown:
        return f"'{unknown[0]}' is not one of: {', '.join(sorted(allowed))}"
    if len(set(value)) != len(value):
        return "lists an entry more than once"
    return None


def plan_problems(values: Mapping[str, Any], *, baseline_keys: Iterable[str]) -> dict[str, str]:
    """Field name -> what is wrong with it ("" fields are fine). Unknown fields are named."""
    problems: dict[str, str] = {}
    for name in sorted(set(values) - set(FIELDS)):
        problems[name] = "is not part of an analysis plan"
    for name, choices in CHOICES.items():
        if name in values and values[name] not in choices:
            problems[name] = f"must be one of: {', '.join(choices)}"
    if "secondary_outcomes" in values:
        problem = _list_problem(values["secondary_outcomes"], SECONDARY_OUTCOMES, "outcomes")
        if problem:
            problems["secondary_outcomes"] = problem
    if "covariates" in values:
        allowed = {BASELINE_BRIER, DESIGN_FACTORS, *baseline_keys}
        problem = _list_problem(values["covariates"], allowed, "covariates")
        if problem:
            problems["covariates"] = problem
    alpha = values.get("alpha", DEFAULTS["alpha"])
    if not _is_number(alpha) or not 0 < alpha <= 0.2:
        problems["alpha"] = "must be a number above 0 and at most 0.2"
    replicates = values.get("bootstrap_replicates", DEFAULTS["bootstrap_replicates"])
    whole = isinstance(replicates, int) and not isinstance(replicates, bool)
    if not whole or not 100 <= replicates <= 20000:
        problems["bootstrap_replicates"] = "must be a whole number from 100 to 20000"
    seed = values.get("seed", DEFAULTS["seed"])
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed <= 2**31 - 1:
        problems["seed"] = "must be a whole number from 0 to 2147483647"
    notes = values.get("notes", "")
    if not isinstance(notes, str) or len(notes) > 10_000:
        problems["notes"] = "must be text of at most 10000 characters"
    return problems


def plan_summary(values: Mapping[str, Any], *, study: Study) -> list[tuple[str, str]]:
    """(heading, plain-English value) rows for the plan page and the report."""
    labels = {q.key: q.label for q in study.baseline_questions.all()}
    covariates = [
        COVARIATE_LABELS.get(name) or f"Baseline answer: {labels.get(name, name)}"
        for name in values["covariates"]
    ]
    secondary = [SECONDARY_LABELS[name] for name in values["secondary_outcomes"]]
    return [
        (
            "Primary outcome",
            "Each participant's mean Brier score over the yes/no questions of the phase "
            "they are randomised before, one forecast per question: "
            + AnalysisPlan.PrimaryForecast(values["primary_forecast"]).label.lower()
            + ".",
        ),
        ("Secondary outcomes", "; ".join(secondary) or "None"),
        ("Estimand", AnalysisPlan.Estimand(values["estimand"]).label),
        ("Covariates", "; ".join(covariates) or "None (unadjusted)"),
        ("Comparisons", AnalysisPlan.Comparisons(values["comparisons"]).label),
        ("Multiplicity", AnalysisPlan.Multiplicity(values["multiplicity"]).label),
        ("Primary analysis set", AnalysisPlan.AnalysisSet(values["analysis_set"]).label),
        ("Missing baseline Brier", AnalysisPlan.MissingBaseline(values["missing_baseline"]).label),
        ("Significance level (alpha)", f"{values['alpha']:g}"),
        (
            "Bootstrap",
            f"{values['bootstrap_replicates']:,} replicates, seed {values['seed']}",
        ),
        ("Notes", values["notes"] or "None"),
    ]
