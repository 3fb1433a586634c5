"""The demo shows a pooled pair of studies on the track record page."""

import pytest
from casecast.network import selectors
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_demo_links_two_studies_with_skill_that_differs_and_persists():
    call_command("seed_demo")
    counts = selectors.linking_counts()
    assert counts["studies"] == 2
    assert 0 < counts["people"] < counts["participations"]
    record = selectors.track_record()
    assert record.estimates is not None and record.estimates.tau2 > 0
    assert any(pair.result.distinguishable for pair in record.persistence)
    assert record.forecasters and record.forecasters[0].top
