"""The demo bank loads cleanly and meets its acceptance criteria; seeding is idempotent."""

from __future__ import annotations

from casecast.studies.models import Phase
from casecast.vignettes.demo import DEMO_BANK_PATH, seed_demo_bank
from casecast.vignettes.models import PhaseVignette, Question, Vignette, VignetteVersion

from tests.vignettes.conftest import content_counts

FICTIONAL_NOTE = (
    "Fictional case written for the Casecast demo. Any resemblance to real people is coincidental."
)


def test_demo_bank_meets_the_acceptance_criteria(demo_bank_loaded):
    study = demo_bank_loaded
    versions = VignetteVersion.objects.filter(vignette__study=study)
    questions = Question.objects.filter(version__vignette__study=study)

    assert versions.count() >= 12
    assert {v.source for v in versions} == {"fictional"}
    assert {v.source_note for v in versions} == {FICTIONAL_NOTE}
    assert all(2 <= v.stages.count() <= 3 for v in versions)
    assert set(questions.values_list("kind", flat=True)) == set(Question.Kind.values)
    answerable = questions.exclude(kind=Question.Kind.RATIONALE)
    assert all(q.has_outcome for q in answerable), "every question with an outcome has one"
    assert questions.filter(earlier__isnull=False).exists()
    assert questions.filter(base_rate__isnull=False).exists()
    assert questions.filter(kind="numeric", numeric_format="interval").exists()
    assert questions.filter(kind="numeric", numeric_format="quantiles").exists()
    assert all(q.relates_to is not None for q in questions.filter(kind="decision"))
    binary = questions.filter(kind="binary")
    share_yes = binary.filter(outcome_binary=True).count() / binary.count()
    assert 0.25 <= share_yes <= 0.45


def test_seeding_fills_the_phases_that_exist(demo_bank_loaded):
    study = demo_bank_loaded
    plan = {
        phase.position: list(
            PhaseVignette.objects.filter(phase=phase).values_list("vignette__key", "is_retest")
        )
        for phase in Phase.objects.filter(study=study)
    }

    assert plan == {
        1: [("domestic-abuse-notification", False), ("school-neglect-concerns", False)],
        2: [
            ("parental-substance-misuse", False),
            ("exploitation-missing-episodes", False),
            ("bruise-non-mobile-baby", False),  # a multiple-choice question before wave 2
            ("domestic-abuse-notification", True),  # a test-retest repeat of phase 1's case
        ],
    }


def test_seeding_twice_leaves_the_same_data(study, researcher):
    from casecast.studies import services

    services.phase_save(study=study, by=researcher, name="Second wave", randomise_before=False)
    assert seed_demo_bank(study=study) == Vignette.objects.filter(study=study).count()
    counts = content_counts()
    plan = list(PhaseVignette.objects.values_list("phase__position", "vignette__key", "is_retest"))

    seed_demo_bank(study=study)

    assert content_counts() == counts
    assert (
        list(PhaseVignette.objects.values_list("phase__position", "vignette__key", "is_retest"))
        == plan
    )
    assert ("3", "school-neglect-concerns", True) in [(str(p), k, r) for p, k, r in plan]
    assert len([row for row in plan if row[0] == 3]) == 2


def test_demo_bank_file_is_marked_fictional_and_uses_the_documented_format():
    text = DEMO_BANK_PATH.read_text()

    assert text.count("source: fictional") >= 12
    assert "format: casecast-bank/1" in text
