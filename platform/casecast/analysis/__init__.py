"""Casecast analysis engine: the trial's primary and sensitivity analyses, and the
simulation-based power planner.

Pure numpy/scipy/statsmodels, no Django: arrays in, frozen dataclasses out. It imports
only ``casecast.scoring`` from the rest of Casecast. Methods and references:
``docs/analysis.md``.
"""

from .engine import Analysis, ArmEffect, QuestionsEstimand, analyse
from .mixed import MixedModel
from .multiplicity import dunnett, holm

__all__ = [
    "Analysis",
    "ArmEffect",
    "MixedModel",
    "QuestionsEstimand",
    "analyse",
    "dunnett",
    "holm",
]
