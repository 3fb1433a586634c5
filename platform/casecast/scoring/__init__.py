"""Casecast scoring engine: proper scoring rules and study-level summaries.

Pure numpy/scipy, no Django. Per-forecast rules return one float64 per row; summaries
return frozen dataclasses whose fields are plain numbers, or length-G arrays when called
with ``groups=`` (integer codes 0..G-1). Conventions and references: ``docs/scoring.md``.
"""

from ._bins import bin_index
from ._validate import EPS
from .arms import ArmComparison, compare_arms
from .calibration import (
    CalibrationInTheLarge,
    CalibrationSlope,
    CalibrationTable,
    ExpectedCalibrationError,
    SpiegelhalterTest,
    calibration_in_the_large,
    calibration_slope,
    calibration_table,
    ece,
    spiegelhalter,
)
from .decomposition import BrierSkill, MurphyDecomposition, brier_skill, murphy
from .discrimination import AreaUnderCurve, auc
from .relative import aggregate, relative_brier, standardized_brier
from .rules import (
    brier,
    brier_multi,
    interval_score,
    log_score,
    log_score_multi,
    pinball,
    rps,
    spherical,
    spherical_multi,
    weighted_interval_score,
)

__all__ = [
    "EPS",
    "AreaUnderCurve",
    "ArmComparison",
    "BrierSkill",
    "CalibrationInTheLarge",
    "CalibrationSlope",
    "CalibrationTable",
    "ExpectedCalibrationError",
    "MurphyDecomposition",
    "SpiegelhalterTest",
    "aggregate",
    "auc",
    "bin_index",
    "brier",
    "brier_multi",
    "brier_skill",
    "calibration_in_the_large",
    "calibration_slope",
    "calibration_table",
    "compare_arms",
    "ece",
    "interval_score",
    "log_score",
    "log_score_multi",
    "murphy",
    "pinball",
    "relative_brier",
    "rps",
    "spherical",
    "spherical_multi",
    "spiegelhalter",
    "standardized_brier",
    "weighted_interval_score",
]
