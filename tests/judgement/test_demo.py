"""The insights of the demo study (`manage.py seed_demo`): every section has figures,
and updates toward the outcome lower the Brier score (issue 12, item 5).

The demo's staged cases restate a forecast at a later stage (`earlier`), so its
simulated participants give before/after pairs; the property is checked pair by pair
and on the aggregate the updating page shows.
"""

from __future__ import annotations

import numpy as np
import pytest
from casecast.judgement import selectors, services
from casecast.studies.models import Study

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(seeded_demo) -> Study:
    return seeded_demo


def test_updates_toward_the_outcome_lower_the_brier_score_on_the_demo(demo):
    u = selectors.insight_inputs(study=demo).updates
    known = u.y >= 0
    before, after, y = u.before[known], u.after[known], u.y[known]
    toward = np.abs(after - y) < np.abs(before - y)
    assert toward.sum() >= 10, "the demo has staged updates toward the outcome"
    brier_before, brier_after = (before - y) ** 2, (after - y) ** 2
    assert (brier_after[toward] < brier_before[toward]).all()
    assert brier_after[toward].mean() < brier_before[toward].mean()
    away = np.abs(after - y) > np.abs(before - y)
    assert (brier_after[away] > brier_before[away]).all()
    pooled = services.study_insights_json(study=demo)["updating"]["groups"][0]
    changed = before != after
    assert pooled["n"] == known.sum()
    assert pooled["share_toward_outcome"] == pytest.approx(toward.sum() / changed.sum())
    assert pooled["brier_before"] == pytest.approx(brier_before.mean())
    assert pooled["brier_after"] == pytest.approx(brier_after.mean())


def test_every_section_of_the_demo_has_figures(demo):
    data = services.study_insights_json(study=demo)
    assert len(data["calibration"]["groups"]) >= 2
    assert data["questions"]["overall"]["questions"]
    assert data["questions"]["by_council"]
    assert data["noise"]["system"]["system"] is not None
    assert data["noise"]["questions"]
    assert "steps" in data["thresholds"]
    assert data["updating"]["groups"]
