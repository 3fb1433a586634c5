"""The report computed by a real worker through Redis, the page polling its progress."""

from __future__ import annotations

import time

import pytest
from casecast.reports.models import TrialReport
from casecast.studies.models import StudyMembership
from django.urls import reverse

from tests.reports.conftest import demo_build
from tests.sign_in import sign_in

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_the_worker_computes_the_report_the_page_queued(
    celery_worker_process, client, researcher, django_user_model
):
    study = demo_build(researcher)
    TrialReport.objects.all().delete()
    # The demo trial recruits, so it is blinded: its data monitoring committee sees arms.
    dmc = django_user_model.objects.create_user(email="worker-dmc@example.org", password="x" * 12)
    StudyMembership.objects.create(study=study, user=dmc, role="dmc")
    sign_in(client, dmc)
    page = client.get(reverse("reports:report", kwargs={"slug": study.slug}))
    assert b"<progress" in page.content, "not cached: the page waits for the worker"
    status_url = reverse("reports:status", kwargs={"slug": study.slug})
    deadline = time.monotonic() + 60
    status = client.get(status_url).json()
    while status["status"] != "done" and time.monotonic() < deadline:
        assert status["status"] in ("queued", "running"), status
        time.sleep(0.5)
        status = client.get(status_url).json()
    assert status["percent"] == 100
    final = client.get(reverse("reports:report", kwargs={"slug": study.slug})).content.decode()
    assert "Forest plot" in final
    assert TrialReport.objects.filter(study=study).count() == 1
