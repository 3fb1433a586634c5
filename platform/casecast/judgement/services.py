"""The judgement insights of a study, computed once per state of its data.

`study_insights_json(study=, role=)` is what the pages show and what
`manage.py analyse_study --json` merges in (keys `calibration`, `questions`, `noise`,
`thresholds`, `updating`). At 6,000 participants × 24 questions the computation takes
about a second (bootstrap intervals, resampled bands, a mixed model), so the result is
kept in the default cache under a hash of everything it depends on
(`selectors.inputs_fingerprint`): a new forecast, an outcome, a withdrawal or a change
of blinding gives a new key and the figures are recomputed on the next visit.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache

from casecast.judgement import report, selectors
from casecast.studies.models import Study

CACHE_SECONDS = 24 * 60 * 60
# Bump when the report's shape or method changes, so old cached reports are not served.
REPORT_VERSION = 1


def cache_key(*, study: Study, role: str | None) -> str:
    fingerprint = selectors.inputs_fingerprint(study=study, role=role)
    return f"judgement:v{REPORT_VERSION}:{study.pk}:{fingerprint}"


def study_insights_json(*, study: Study, role: str | None = None) -> dict[str, Any]:
    """The five insight sections for a viewer with `role` (None: the command line)."""
    key = cache_key(study=study, role=role)
    found = cache.get(key)
    if found is not None:
        return dict(found)
    result = report.study_insights(selectors.insight_inputs(study=study, role=role))
    cache.set(key, result, CACHE_SECONDS)
    return result
