"""The demo bank, loaded into the demo study (called by `seed_demo`).

Idempotent: the import changes nothing the second time and setting the same
phase plan again is a no-op.
"""

from __future__ import annotations

from pathlib import Path

from casecast.studies.models import Phase, Study
from casecast.vignettes.bank import bank_import
from casecast.vignettes.services import phase_vignettes_set

DEMO_BANK_PATH = Path(__file__).resolve().parent / "demo_content" / "demo_bank.yaml"

# Phase position → (vignette keys, retest keys). Other vignettes stay in the bank.
# Phase 2 holds a case with a multiple-choice question (the section 47 outcome in
# "bruise-non-mobile-baby"), so demo participants can try every kind of forecast
# before the second wave opens, and repeats the first case of phase 1 (a test-retest
# repeat), so the noise audit's test-retest figures have data before the second wave.
DEMO_PHASE_PLAN: dict[int, tuple[list[str], list[str]]] = {
    1: (["domestic-abuse-notification", "school-neglect-concerns"], []),
    2: (
        [
            "parental-substance-misuse",
            "exploitation-missing-episodes",
            "bruise-non-mobile-baby",
            "domestic-abuse-notification",
        ],
        ["domestic-abuse-notification"],
    ),
    3: (["parental-mental-health", "school-neglect-concerns"], ["school-neglect-concerns"]),
}


class DemoBankError(RuntimeError):
    pass


def seed_demo_bank(*, study: Study) -> int:
    """Import the demo bank into `study` and fill phases 1 to 3; return the number of vignettes."""
    report = bank_import(
        study=study, text=DEMO_BANK_PATH.read_text(encoding="utf-8"), filename=DEMO_BANK_PATH.name
    )
    if not report.ok:
        raise DemoBankError("; ".join(str(problem) for problem in report.problems))
    phases = {phase.position: phase for phase in Phase.objects.filter(study=study)}
    for position, (keys, retests) in DEMO_PHASE_PLAN.items():
        if position in phases:
            phase_vignettes_set(phase=phases[position], vignette_keys=keys, retest_keys=retests)
    return len(report.actions)
