"""What `seed_demo` leaves: the data each part of the demo shows a newcomer.

The demo is seeded once for this module (`seeded_demo`, tests/fixtures_studies.py) and each
test reads it inside its own rolled-back transaction; `test_seed_demo.py` runs the command
itself (idempotence, what it prints).
"""

import pytest


def test_the_demo_gives_the_judgement_insight_pages_real_numbers(seeded_demo):
    """Issue 12: linked decisions for thresholds, staged updates both ways, a repeat.

    Everything here is recomputed from the stored answers and outcomes, (p - y)^2 by
    hand, not read from the insights engine."""
    from casecast.forecasts.models import Forecast
    from casecast.resolution.demo import DEMO_MARKER
    from casecast.resolution.models import ForecastScore
    from casecast.studies.demo import DEMO_SLUG
    from casecast.studies.models import Participant

    simulated = Participant.objects.filter(study__slug=DEMO_SLUG, baseline__has_key=DEMO_MARKER)
    answers = Forecast.objects.filter(participant__in=simulated).select_related("question")
    by_cell = {(f.assignment_id, f.question_id): f for f in answers}
    assert simulated.count() >= 20

    # Each simulated participant: >= 6 decisions paired with their own forecast on the case.
    linked: dict[int, list[tuple[int, int]]] = {}
    for f in answers:
        pair = by_cell.get((f.assignment_id, f.question.relates_to_id))
        if f.question.kind == "decision" and pair is not None and not f.assignment.is_retest:
            linked.setdefault(f.participant_id, []).append((pair.probability_pct, f.decision))
    assert set(linked) == set(simulated.values_list("pk", flat=True))
    assert min(len(pairs) for pairs in linked.values()) >= 6
    # Most people switch action somewhere, so a threshold exists in their data.
    switching = [p for p, pairs in linked.items() if len({d for _, d in pairs}) > 1]
    assert len(switching) >= len(linked) / 2

    # Staged updates: a later question repeating an earlier one, in the same case.
    moves = {"toward": [], "away": []}
    for f in answers:
        before = by_cell.get((f.assignment_id, f.question.earlier_id))
        if before is None or f.probability_pct == before.probability_pct:
            continue
        y = 100 if f.question.outcome_binary else 0
        toward = abs(f.probability_pct - y) < abs(before.probability_pct - y)
        brier = [((pct - y) / 100) ** 2 for pct in (before.probability_pct, f.probability_pct)]
        moves["toward" if toward else "away"].append(brier)
    assert len(moves["toward"]) >= 20 and len(moves["away"]) >= 5
    mean = {k: [sum(b[i] for b in v) / len(v) for i in (0, 1)] for k, v in moves.items()}
    assert mean["toward"][1] < mean["toward"][0]  # moving toward the outcome lowers Brier
    assert mean["away"][1] > mean["away"][0]
    # The stored scores agree with the hand-computed Brier scores of those forecasts.
    stored = dict(
        ForecastScore.objects.filter(participant__in=simulated, kind="binary").values_list(
            "forecast_id", "brier"
        )
    )
    for f in answers:
        if f.question.kind == "binary" and f.question.outcome_binary is not None:
            y = 1.0 if f.question.outcome_binary else 0.0
            assert stored[f.pk] == pytest.approx((f.probability_pct / 100 - y) ** 2)

    # A test-retest repeat: everyone answered one case twice, the repeat flagged.
    for person in simulated:
        retests = answers.filter(participant=person, assignment__is_retest=True)
        assert retests.filter(question__kind="binary").exists()
        first = answers.filter(
            participant=person,
            assignment__is_retest=False,
            question__version__vignette=retests[0].question.version.vignette,
        )
        assert first.exists()

    # The demo participant in the feedback arm sees a judgement profile with every part.
    from casecast.feedback.selectors import judgement_profile

    shown = judgement_profile(
        participant=Participant.objects.get(user__email="demo-outcome-feedback@example.org")
    )
    assert shown is not None and shown.enough
    assert shown.updates.n > 0 and shown.peers is not None and shown.peers.n_questions > 0
    assert len(shown.sentences) == 3


def test_seed_demo_gives_a_participant_practice_forecasts_some_resolved(seeded_demo):
    from casecast.practice.demo import DEMO_PRACTICE, DEMO_PRACTISER_EMAIL
    from casecast.practice.models import PracticeForecast, PracticeShare
    from casecast.practice.selectors import practice_calibration, practice_counts
    from casecast.studies.demo import DEMO_SLUG
    from casecast.studies.models import Study

    mine = PracticeForecast.objects.filter(owner__email=DEMO_PRACTISER_EMAIL)
    assert mine.count() == len(DEMO_PRACTICE) == 16
    assert mine.filter(outcome__isnull=False).count() == 12
    assert mine.filter(question_key="").count() == 2  # two of the worker's own questions
    result = practice_calibration(owner=mine.first().owner)
    assert result.chart.enough  # 12 resolved: the chart shows
    study = Study.objects.get(slug=DEMO_SLUG)
    assert PracticeShare.objects.filter(study=study, owner__email=DEMO_PRACTISER_EMAIL).exists()
    counts = practice_counts(study=study)
    # With the practice-only worker (3 forecasts, 2 resolved) the study invited.
    assert (counts.workers, counts.forecasts, counts.resolved, counts.sharing) == (2, 19, 14, 1)


def test_seed_demo_has_a_worker_invited_to_practise_only(seeded_demo):
    from casecast.practice.demo import DEMO_PRACTICE_ONLY_EMAIL
    from casecast.practice.models import PracticeAccess, PracticeForecast

    access = PracticeAccess.objects.get(user__email=DEMO_PRACTICE_ONLY_EMAIL)
    assert access.revoked_at is None and access.invited_by.email == "researcher@example.org"
    assert not access.user.participations.exists()
    mine = PracticeForecast.objects.filter(owner=access.user)
    assert (mine.count(), mine.filter(outcome__isnull=False).count()) == (3, 2)


def test_the_demo_shows_the_outcome_history_and_feedback_seen(seeded_demo):
    """Data out: the demo's outcome history holds the outcomes recorded from its bank and
    an annulment and its reinstatement (with reasons and who made them); its feedback
    participants have seen feedback, so exposures and `feedback_seen_participant_ids` have
    something to show."""
    from casecast.feedback.demo import DEMO_FEEDBACK_PARTICIPANTS
    from casecast.feedback.selectors import feedback_seen_participant_ids
    from casecast.resolution.demo import DEMO_MARKER
    from casecast.resolution.exports.demo import ANNUL_REASON, REINSTATE_REASON
    from casecast.studies.demo import DEMO_SLUG
    from casecast.studies.models import Participant, Study
    from casecast.vignettes.models import OutcomeRecord

    study = Study.objects.get(slug=DEMO_SLUG)
    kinds = list(OutcomeRecord.objects.filter(study=study).values_list("kind", flat=True))
    assert kinds.count("recorded") >= 1
    annulled = OutcomeRecord.objects.get(study=study, kind="annulled")
    reinstated = OutcomeRecord.objects.get(study=study, kind="reinstated")
    assert (annulled.reason, reinstated.reason) == (ANNUL_REASON, REINSTATE_REASON)
    assert annulled.by is not None and annulled.question_key == reinstated.question_key
    emails = {email for _, email, _ in DEMO_FEEDBACK_PARTICIPANTS}
    seen = feedback_seen_participant_ids(study=study)
    demo_people = set(
        Participant.objects.filter(study=study, user__email__in=emails).values_list("pk", flat=True)
    )
    assert demo_people & seen, "the demo feedback participants have seen feedback"
    # Simulated participants of feedback arms mostly have too (per protocol differs from ITT).
    simulated = Participant.objects.filter(study=study, baseline__has_key=DEMO_MARKER)
    in_feedback_arms = simulated.exclude(arm__feedback_policies=[]).values_list("pk", flat=True)
    assert 0 < len(seen & set(in_feedback_arms)) < len(in_feedback_arms)


def test_the_demo_study_opens_on_a_full_trial_report(seeded_demo):
    """The report is computed while seeding, with every section filled in."""
    from casecast.reports.models import TrialReport
    from casecast.reports.services import study_report_json
    from casecast.studies.demo import DEMO_SLUG
    from casecast.studies.models import Study

    study = Study.objects.get(slug=DEMO_SLUG)
    assert TrialReport.objects.filter(study=study, status="done").count() == 1
    doc = study_report_json(study=study, role="dmc")  # blinded while recruiting: the DMC's view
    assert len(doc["primary"]["effects"]) == study.arms.count() - 1
    assert all(s["effects"] for s in doc["sensitivity"]), "every sensitivity analysis runs"
    assert doc["icc"] is not None and doc["table1"] and doc["calibration_by_arm"]
    assert TrialReport.objects.filter(study=study).count() == 1, "served from the cache"


def test_seed_demo_shows_a_blinded_recruiting_study_and_an_unblinded_completed_one(
    seeded_demo, client
):
    from casecast.resolution.demo_blinding import COMPLETED_TITLE, COUNCIL_LEAD_EMAIL, DMC_EMAIL
    from casecast.studies import blinding
    from casecast.studies.demo import DEMO_SLUG
    from casecast.studies.models import Study, StudyMembership
    from django.urls import reverse

    recruiting = Study.objects.get(slug=DEMO_SLUG)
    assert recruiting.status == Study.Status.RECRUITING
    assert blinding.is_blinded(study=recruiting, role=StudyMembership.Role.ANALYST)
    assert not blinding.is_blinded(study=recruiting, role=StudyMembership.Role.DMC)
    roles = dict(
        StudyMembership.objects.filter(study=recruiting).values_list("user__email", "role")
    )
    assert roles[DMC_EMAIL] == "dmc" and roles[COUNCIL_LEAD_EMAIL] == "council_lead"
    completed = Study.objects.get(title=COMPLETED_TITLE)
    assert completed.status == Study.Status.CLOSED
    assert completed.data_locked_at is not None and completed.unblinded_at is not None
    assert completed.participants.filter(arm__isnull=False).count() == 40
    assert not blinding.is_blinded(study=completed, role=StudyMembership.Role.ANALYST)
    client.force_login(StudyMembership.objects.get(study=recruiting, role="council_lead").user)
    page = client.get(reverse("studies:recruitment", args=[recruiting.slug]))
    assert page.status_code == 200 and b"Progress: " in page.content


def test_the_demo_has_an_api_token_that_reads_the_demo_study(seeded_demo):
    """docs/api.md's examples use the demo's published token against `make run`."""
    from casecast.api.demo import DEMO_TOKEN
    from casecast.studies.demo import DEMO_SLUG
    from rest_framework.test import APIClient

    client = APIClient(HTTP_AUTHORIZATION=f"Bearer {DEMO_TOKEN}")
    studies = client.get("/api/v1/studies/").json()["results"]
    assert [study["slug"] for study in studies] == [DEMO_SLUG]
    scores = client.get(f"/api/v1/studies/{DEMO_SLUG}/scores/?page_size=5").json()
    assert len(scores["results"]) == 5 and scores["next"]
