"""Casecast judgement insights: calibration, crowd wisdom, noise, thresholds, updating.

Pure numpy/scipy on top of ``casecast.scoring``: arrays in (worker, question, forecast
probability, outcome, decision, group codes), frozen dataclasses out, no Django. The
caller picks the rows (by default each participant's final, counted forecast) and the
group codes (arm, arm × phase, council). What each statistic means and where it comes
from: ``docs/insights.md``.
"""

from .calibration import GroupCalibration, ReliabilityCurve, calibration, corp_reliability
from .mixed import PopulationThresholds, population_thresholds
from .noise import (
    QuestionNoise,
    RetestConsistency,
    decision_disagreement,
    pairwise_abs_diff,
    question_noise,
    retest_consistency,
)
from .profile import JudgementProfile, judgement_profile
from .questions import AGGREGATES, CrowdWisdom, crowd_wisdom
from .system import SystemNoise, system_noise, system_noise_by_group
from .thresholds import (
    LOGISTIC,
    NO_FIT,
    NO_SWITCH,
    REVERSED,
    SEPARATED,
    TOO_FEW,
    ThresholdSpread,
    WorkerThresholds,
    decision_thresholds,
    level_thresholds,
    threshold_spread,
)
from .updating import Updating, belief_updating

__all__ = [
    "AGGREGATES",
    "LOGISTIC",
    "NO_FIT",
    "NO_SWITCH",
    "REVERSED",
    "SEPARATED",
    "TOO_FEW",
    "CrowdWisdom",
    "GroupCalibration",
    "JudgementProfile",
    "PopulationThresholds",
    "QuestionNoise",
    "ReliabilityCurve",
    "RetestConsistency",
    "SystemNoise",
    "ThresholdSpread",
    "Updating",
    "WorkerThresholds",
    "belief_updating",
    "calibration",
    "corp_reliability",
    "crowd_wisdom",
    "decision_disagreement",
    "decision_thresholds",
    "judgement_profile",
    "level_thresholds",
    "pairwise_abs_diff",
    "population_thresholds",
    "question_noise",
    "retest_consistency",
    "system_noise",
    "system_noise_by_group",
    "threshold_spread",
]
