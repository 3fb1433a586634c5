"""What a participant saw stays what their answers point to.

Draft studies may be edited in place while nobody has been assigned the
vignette; otherwise a changed vignette becomes a new version. Outcomes never
make versions.
"""

from __future__ import annotations

import pytest
from casecast.audit.models import AuditEvent
from casecast.forecasts.models import Assignment
from casecast.studies.models import Participant
from casecast.vignettes.bank import Action, bank_import
from casecast.vignettes.models import Question, VignetteVersion
from casecast.vignettes.selectors import vignette_current_version

from tests.fixtures_vignettes import STAGED_BANK_YAML, import_bank, make_staged_vignette
from tests.vignettes.conftest import content_counts

ORIGINAL = STAGED_BANK_YAML.format(key="staged-case")
CHANGED_TEXT = ORIGINAL.replace(
    "How many school sessions will Mia miss next term?",
    "How many school sessions will Mia miss in the spring term?",
)
WITHOUT_OUTCOMES = (
    "\n".join(line for line in ORIGINAL.splitlines() if "outcome:" not in line) + "\n"
)


def assign(vignette, study) -> Assignment:
    participant = Participant.objects.create(study=study, council=study.councils.first())
    return Assignment.objects.create(
        participant=participant,
        phase=study.phases.first(),
        vignette_version=vignette.current_version(),
        position=1,
    )


def question_text(version: VignetteVersion, key: str) -> str:
    return version.questions.get(key=key).text


def test_reimporting_identical_content_creates_nothing(study, staged_vignette):
    before, events = content_counts(), AuditEvent.objects.count()

    report = import_bank(study, ORIGINAL)

    assert report.actions == {"staged-case": Action.UNCHANGED}
    assert content_counts() == before
    assert AuditEvent.objects.count() == events


def test_draft_study_change_replaces_the_version_in_place(draft_study):
    vignette = make_staged_vignette(study=draft_study)

    report = import_bank(draft_study, CHANGED_TEXT)

    assert report.actions == {"staged-case": Action.REPLACED}
    assert vignette.versions.count() == 1
    version = vignette_current_version(vignette=vignette)
    assert question_text(version, "school-sessions").endswith("in the spring term?")
    # Links between questions survive the rebuild.
    later = version.questions.get(key="rereferral-3m-later")
    assert later.earlier == version.questions.get(key="rereferral-3m")
    assert version.questions.get(key="decision").relates_to == later


def test_draft_study_change_makes_a_new_version_once_someone_is_assigned(draft_study):
    vignette = make_staged_vignette(study=draft_study)
    assignment = assign(vignette, draft_study)

    report = import_bank(draft_study, CHANGED_TEXT)

    assert report.actions == {"staged-case": Action.NEW_VERSION}
    assert assignment.vignette_version.number == 1
    assert question_text(assignment.vignette_version, "school-sessions").endswith("next term?")


def test_started_study_change_makes_a_new_version_and_keeps_the_old_one(study, staged_vignette):
    assignment = assign(staged_vignette, study)
    old_questions = set(assignment.vignette_version.questions.values_list("pk", "text"))

    report = import_bank(study, CHANGED_TEXT)

    assert report.actions == {"staged-case": Action.NEW_VERSION}
    assert [v.number for v in staged_vignette.versions.all()] == [1, 2]
    assignment.refresh_from_db()
    assert assignment.vignette_version.number == 1
    assert set(assignment.vignette_version.questions.values_list("pk", "text")) == old_questions
    new = vignette_current_version(vignette=staged_vignette)
    assert question_text(new, "school-sessions").endswith("in the spring term?")
    assert new.stages.count() == 3 and new.questions.count() == 8

    again = import_bank(study, CHANGED_TEXT)
    assert again.actions == {"staged-case": Action.UNCHANGED}


def test_a_new_version_carries_recorded_outcomes_the_file_leaves_out(study, staged_vignette):
    changed_without_outcomes = (
        "\n".join(line for line in CHANGED_TEXT.splitlines() if "outcome:" not in line) + "\n"
    )

    import_bank(study, changed_without_outcomes)

    new = vignette_current_version(vignette=staged_vignette)
    assert new.number == 2
    assert new.questions.get(key="rereferral-3m").outcome_binary is True
    assert new.questions.get(key="risk-level").outcome_category == 2


def test_recording_outcomes_makes_no_version_and_reaches_every_version(study):
    vignette = make_staged_vignette(study=study)
    Question.objects.update(outcome_binary=None, outcome_category=None, outcome_numeric=None)
    changed_without_outcomes = (
        "\n".join(line for line in CHANGED_TEXT.splitlines() if "outcome:" not in line) + "\n"
    )
    import_bank(study, changed_without_outcomes)
    assert vignette.versions.count() == 2

    report = import_bank(study, CHANGED_TEXT)

    assert report.actions == {"staged-case": Action.UNCHANGED}
    assert vignette.versions.count() == 2
    assert report.outcomes_recorded == 14  # 7 answerable questions in each version
    for version in vignette.versions.all():
        assert version.questions.get(key="rereferral-3m").outcome_binary is True
        assert version.questions.get(key="decision").outcome_category == 2


def test_started_study_refuses_to_change_a_recorded_outcome_by_import(study, staged_vignette):
    before = content_counts()
    flipped = ORIGINAL.replace(
        "outcome: {value: true, known_at: 2024-06-01",
        "outcome: {value: false, known_at: 2024-06-01",
    )

    report = bank_import(study=study, text=flipped, filename="bank.yaml")

    assert [str(p) for p in report.problems] == [
        "bank.yaml, line 26: vignettes[0].stages[0].questions[0].outcome.value: an outcome is "
        "already recorded for this question (version 1); the study has started, so change it "
        "through resolution, not by import"
    ]
    assert content_counts() == before
    assert staged_vignette.current_version().questions.get(key="rereferral-3m").outcome_binary


def test_draft_study_may_correct_an_outcome_by_import(draft_study):
    vignette = make_staged_vignette(study=draft_study)
    flipped = ORIGINAL.replace("outcome: {value: high}", "outcome: {value: low}")

    report = import_bank(draft_study, flipped)

    assert report.outcomes_recorded == 1
    assert vignette.current_version().questions.get(key="risk-level").outcome_category == 0


def test_importing_without_outcomes_keeps_those_recorded(study, staged_vignette):
    report = import_bank(study, WITHOUT_OUTCOMES)

    assert report.actions == {"staged-case": Action.UNCHANGED}
    assert staged_vignette.current_version().questions.get(key="rereferral-3m").outcome_binary


def test_import_is_audited_with_what_it_did(study, researcher):
    make_staged_vignette(study=study)
    import_bank(study, CHANGED_TEXT, by=researcher)

    event = AuditEvent.objects.filter(action="vignettes.bank_imported").latest("pk")
    assert event.actor == researcher
    assert event.data["actions"] == {"staged-case": "new version"}


@pytest.mark.parametrize(
    "other_change",
    [
        ("base_rate: 0.3", "base_rate: 0.35"),
        ("options: [low, medium, high, very high]", "options: [low, medium, high, severe]"),
        ("tags: [neglect, school attendance]", "tags: [neglect]"),
    ],
)
def test_any_content_change_is_a_new_version_in_a_started_study(
    study, staged_vignette, other_change
):
    text = ORIGINAL.replace(*other_change)

    report = import_bank(study, text)

    assert report.actions == {"staged-case": Action.NEW_VERSION}
