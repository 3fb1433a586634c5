"""The engine is plain numpy/scipy: importable without Django or the test-only libraries."""

import subprocess
import sys
from pathlib import Path

PLATFORM = Path(__file__).resolve().parents[2] / "platform"

CHECK = """
import sys
sys.path.insert(0, {platform!r})
from casecast import scoring
scoring.murphy([0.2, 0.7], [0, 1])
forbidden = [m for m in ("django", "sklearn", "statsmodels", "properscoring") if m in sys.modules]
assert not forbidden, forbidden
print("ok")
"""


def test_imports_in_a_plain_process_without_django():
    result = subprocess.run(
        [sys.executable, "-c", CHECK.format(platform=str(PLATFORM))],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_public_api():
    from casecast import scoring

    expected = {
        "brier",
        "brier_multi",
        "log_score",
        "log_score_multi",
        "spherical",
        "spherical_multi",
        "rps",
        "interval_score",
        "pinball",
        "weighted_interval_score",
        "murphy",
        "calibration_table",
        "ece",
        "spiegelhalter",
        "calibration_slope",
        "calibration_in_the_large",
        "auc",
        "brier_skill",
        "standardized_brier",
        "relative_brier",
        "aggregate",
        "compare_arms",
    }
    assert expected <= set(scoring.__all__)
    assert all(hasattr(scoring, name) for name in scoring.__all__)
