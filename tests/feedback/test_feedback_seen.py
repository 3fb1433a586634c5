"""Seeing a feedback page is recorded once per page (and case), with first and last time and
how often; the status polls and refused pages record nothing."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from unittest import mock

import pytest
from casecast.feedback.models import FeedbackSeen
from casecast.feedback.selectors import feedback_seen_participant_ids
from casecast.feedback.services import feedback_seen_record
from casecast.resolution.exports.exposures import exposure_export_rows
from casecast.studies.services import study_data_lock, study_unblind
from django.db import IntegrityError, transaction
from django.urls import reverse

from tests.feedback_support import answer_phase

pytestmark = pytest.mark.django_db

T1 = datetime(2026, 3, 1, 9, 0, 0, tzinfo=UTC)
T2 = datetime(2026, 3, 2, 10, 30, 0, tzinfo=UTC)
T0 = datetime(2026, 2, 28, 8, 0, 0, tzinfo=UTC)


def _view(client, url: str, at: datetime) -> int:
    with mock.patch("django.utils.timezone.now", return_value=at):
        return client.get(url).status_code


def test_viewing_a_case_twice_keeps_one_row_with_first_last_and_times(client, in_arm):
    participant = in_arm("outcome")
    answer_phase(participant, 1)
    assignment = participant.assignments.get()
    client.force_login(participant.user)
    url = reverse("feedback:case", args=[assignment.pk])

    assert _view(client, url, T1) == 200
    assert _view(client, url, T2) == 200
    assert _view(client, reverse("feedback:case_status", args=[assignment.pk]), T2) == 200

    seen = FeedbackSeen.objects.get(participant=participant)
    assert (seen.page, seen.assignment_id, seen.slot) == ("case", assignment.pk, assignment.pk)
    assert (seen.first_seen_at, seen.last_seen_at, seen.times) == (T1, T2, 2)


def test_each_page_has_its_own_row(client, in_arm):
    participant = in_arm("outcome")
    answer_phase(participant, 1)
    client.force_login(participant.user)
    assert _view(client, reverse("feedback:home"), T1) == 200
    assert _view(client, reverse("feedback:case", args=[participant.assignments.get().pk]), T1)
    assert sorted(FeedbackSeen.objects.values_list("page", "times")) == [
        ("case", 1),
        ("home", 1),
    ]


def test_a_page_refused_to_the_arm_records_nothing(client, in_arm):
    participant = in_arm("control")
    answer_phase(participant, 1)
    client.force_login(participant.user)
    assert _view(client, reverse("feedback:home"), T1) == 404
    assert _view(client, reverse("feedback:case", args=[participant.assignments.get().pk]), T1)
    assert not FeedbackSeen.objects.exists()


def test_an_earlier_clock_never_moves_last_seen_back(in_arm):
    participant = in_arm("outcome")
    with mock.patch("django.utils.timezone.now", return_value=T1):
        feedback_seen_record(participant=participant, page=FeedbackSeen.Page.HOME)
    with mock.patch("django.utils.timezone.now", return_value=T0):
        feedback_seen_record(participant=participant, page=FeedbackSeen.Page.HOME)
    seen = FeedbackSeen.objects.get()
    assert (seen.first_seen_at, seen.last_seen_at, seen.times) == (T1, T1, 2)


def test_recording_a_view_is_one_query(in_arm, django_assert_num_queries):
    participant = in_arm("outcome")
    feedback_seen_record(participant=participant, page=FeedbackSeen.Page.STANDING)
    with django_assert_num_queries(1):
        feedback_seen_record(participant=participant, page=FeedbackSeen.Page.STANDING)
    assert FeedbackSeen.objects.get().times == 2


def test_a_case_page_must_name_its_case_and_other_pages_must_not(in_arm):
    participant = in_arm("outcome")
    answer_phase(participant, 1)
    with pytest.raises(ValueError, match="names its case"):
        feedback_seen_record(participant=participant, page=FeedbackSeen.Page.CASE)
    with pytest.raises(ValueError, match="names its case"):
        feedback_seen_record(
            participant=participant,
            page=FeedbackSeen.Page.HOME,
            assignment=participant.assignments.get(),
        )
    # The database holds the same rule.
    with pytest.raises(IntegrityError), transaction.atomic():
        FeedbackSeen.objects.create(
            participant=participant, page="case", slot=0, first_seen_at=T1, last_seen_at=T1
        )
    assert not FeedbackSeen.objects.exists()


def test_participants_who_saw_feedback_are_the_ones_with_a_row(in_arm, feedback_study):
    seen = in_arm("outcome", email="seen@example.org")
    in_arm("outcome", email="unseen@example.org")
    feedback_seen_record(participant=seen, page=FeedbackSeen.Page.TRACK_RECORD)
    feedback_seen_record(participant=seen, page=FeedbackSeen.Page.HOME)
    assert feedback_seen_participant_ids(study=feedback_study) == {seen.pk}


def _exposures(study) -> list[dict[str, str]]:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(exposure_export_rows(study=study))
    return list(csv.DictReader(io.StringIO(buffer.getvalue())))


def test_exposures_file_lists_feedback_seen_once_the_study_is_closed_and_unblinded(
    in_arm, feedback_study
):
    participant = in_arm("outcome")
    answer_phase(participant, 1)
    assignment = participant.assignments.get()
    with mock.patch("django.utils.timezone.now", return_value=T1):
        feedback_seen_record(
            participant=participant, page=FeedbackSeen.Page.CASE, assignment=assignment
        )
    with mock.patch("django.utils.timezone.now", return_value=T2):
        feedback_seen_record(
            participant=participant, page=FeedbackSeen.Page.CASE, assignment=assignment
        )
        feedback_seen_record(participant=participant, page=FeedbackSeen.Page.HOME)

    assert _exposures(feedback_study) == []  # recruiting: concealed
    feedback_study.status = feedback_study.Status.CLOSED
    feedback_study.save(update_fields=["status"])
    assert _exposures(feedback_study) == []  # closed but still blinded: a page names its arm
    study_data_lock(study=feedback_study, by=None, reason="All outcomes in")
    study_unblind(study=feedback_study, by=None, reason="Analysis done", confirmed=True)
    feedback_study.refresh_from_db()
    rows = _exposures(feedback_study)

    assert [(r["exposure"], r["times_seen"]) for r in rows] == [
        ("feedback_case", "2"),
        ("feedback_home", "1"),
    ]
    case = rows[0]
    assert case["started_at"] == "2026-03-01T09:00:00Z"
    assert case["last_seen_at"] == "2026-03-02T10:30:00Z"
    assert case["phase"] == str(assignment.phase.position)
    assert case["case_position"] == str(assignment.position + 1)
    assert case["vignette"] == assignment.vignette_version.vignette.key
    # Training columns are empty (not zero) for a feedback page.
    assert (case["completed"], case["seconds"], case["module_version"]) == ("", "", "")
    assert rows[1]["phase"] == rows[1]["vignette"] == ""
