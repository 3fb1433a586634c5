"""The demo study's trial report: training completion for the simulated participants
(the journey requires it before the post-randomisation phase, which they have answered,
so the per-protocol set is meaningful) and the report computed once, so the page opens
on a full report. Idempotent."""

from __future__ import annotations

from django.utils import timezone

from casecast.reports import jobs
from casecast.resolution.demo import DEMO_MARKER
from casecast.studies.models import Participant, Study
from casecast.training.models import TrainingAttempt
from casecast.training.services import training_start


def seed_demo_report(*, study: Study) -> None:
    simulated = Participant.objects.filter(
        study=study, baseline__has_key=DEMO_MARKER, arm__isnull=False
    ).exclude(arm__training_module="")
    for participant in simulated.select_related("arm", "study"):
        attempt = training_start(participant=participant)
        if attempt.completed_at is None:
            TrainingAttempt.objects.filter(pk=attempt.pk).update(completed_at=timezone.now())
    jobs.report_compute_now(study=study)
