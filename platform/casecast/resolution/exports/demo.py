"""Demo content for "data out": an outcome history with an annulment and a reinstatement,
and feedback pages seen by the demo feedback participants (exposures). Idempotent: seeding
again adds nothing."""

from __future__ import annotations

from casecast.feedback.demo import DEMO_FEEDBACK_PARTICIPANTS
from casecast.feedback.models import FeedbackSeen
from casecast.feedback.selectors import cases_with_feedback
from casecast.feedback.services import feedback_seen_record
from casecast.resolution.demo import DEMO_MARKER
from casecast.resolution.services import question_annul, question_reinstate
from casecast.studies.models import Participant, Study, StudyMembership
from casecast.vignettes.models import OutcomeRecord, Question

ANNUL_REASON = "Wording queried by a participant: checking whether it was ambiguous"
REINSTATE_REASON = "Checked with the research team: the wording is clear"


def _annul_and_reinstate_one(study: Study) -> None:
    """Annul one recorded question and reinstate it, with reasons, as the study's first
    staff member: the outcome history then shows a change after the outcomes recorded from
    the bank, and ends where it began (so seeding again, which imports the bank again,
    finds nothing to undo)."""
    if OutcomeRecord.objects.filter(study=study, kind=OutcomeRecord.Kind.REINSTATED).exists():
        return
    question = (
        Question.objects.filter(version__vignette__study=study, outcome_binary__isnull=False)
        .exclude(annulled=True)
        .order_by("version__vignette__key", "version__number", "position", "pk")
        .first()
    )
    if question is None:
        return
    staff = StudyMembership.objects.filter(study=study).order_by("pk").first()
    by = staff.user if staff is not None else None
    question_annul(question=question, by=by, reason=ANNUL_REASON)
    question_reinstate(question=question, by=by, reason=REINSTATE_REASON)


def _feedback_seen(study: Study) -> None:
    """Each demo feedback participant (the ones staff can sign in as) has opened the
    overview and their first case's feedback (once; one who has rows is left alone)."""
    emails = [email for _, email, _ in DEMO_FEEDBACK_PARTICIPANTS]
    people = Participant.objects.filter(study=study, user__email__in=emails).order_by("pk")
    for participant in people.exclude(feedback_seen__isnull=False):
        cases = cases_with_feedback(participant=participant)
        if not cases:
            continue
        feedback_seen_record(participant=participant, page=FeedbackSeen.Page.HOME)
        feedback_seen_record(
            participant=participant, page=FeedbackSeen.Page.CASE, assignment=cases[0]
        )


def _simulated_feedback_seen(study: Study) -> None:
    """Most simulated participants of arms that give feedback have opened it (the overview),
    every fourth has not: so the report's per-protocol set differs from intention to treat.
    Idempotent (one who has a row is left alone)."""
    people = (
        Participant.objects.filter(study=study, baseline__has_key=DEMO_MARKER)
        .exclude(arm__isnull=True)
        .exclude(arm__feedback_policies=[])
        .order_by("pk")
    )
    for i, participant in enumerate(people):
        if i % 4 != 3 and not participant.feedback_seen.exists():
            feedback_seen_record(participant=participant, page=FeedbackSeen.Page.HOME)


def seed_demo_outcome_history(*, study: Study) -> None:
    """Before the demo feedback participants are added (its rescoring would refresh their
    summaries early, and seeding again would then differ)."""
    _annul_and_reinstate_one(study)


def seed_demo_feedback_seen(*, study: Study) -> None:
    """After the demo feedback participants are added."""
    _feedback_seen(study)
    _simulated_feedback_seen(study)
