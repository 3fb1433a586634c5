"""Versioned content: the version in use is the highest number in its line, and a new
version takes the next number — the same rule for all five kinds of versioned content."""

import pytest
from casecast.core.versioning import VersionedContent
from casecast.notifications.models import StudyEmailTemplate
from casecast.studies.models import ConsentVersion, DesignVersion, Study
from casecast.training.models import TrainingModuleVersion
from casecast.vignettes.models import VignetteVersion

from tests.fixtures_studies import build_study

pytestmark = pytest.mark.django_db


def _email(study: Study, kind: str, number: int, subject: str) -> StudyEmailTemplate:
    return StudyEmailTemplate.objects.create(
        study=study, kind=kind, number=number, subject=subject, body="((link))"
    )


def test_every_versioned_model_shares_the_one_base():
    models = [DesignVersion, ConsentVersion, VignetteVersion, TrainingModuleVersion]
    assert all(issubclass(model, VersionedContent) for model in [*models, StudyEmailTemplate])


def test_a_line_with_no_versions_has_none_in_use_and_starts_at_one(study):
    reminders = StudyEmailTemplate.objects.filter(study=study, kind="reminder")
    assert reminders.current() is None
    assert reminders.next_number() == 1
    assert list(reminders.newest_first()) == []


def test_the_highest_number_is_in_use_whatever_order_the_versions_were_saved(study):
    _email(study, "reminder", 2, "Second")
    _email(study, "reminder", 3, "Third")
    _email(study, "reminder", 1, "First")
    reminders = StudyEmailTemplate.objects.filter(study=study, kind="reminder")
    assert reminders.current().subject == "Third"
    assert [t.subject for t in reminders.newest_first()] == ["Third", "Second", "First"]


def test_the_next_number_is_one_above_the_highest_even_after_a_gap(study):
    _email(study, "reminder", 1, "First")
    _email(study, "reminder", 4, "Fourth")
    assert StudyEmailTemplate.objects.filter(study=study, kind="reminder").next_number() == 5


def test_lines_do_not_mix_other_kinds_or_studies(study, researcher):
    other = build_study(by=researcher, title="Another study")
    _email(study, "reminder", 1, "Ours")
    _email(study, "invitation", 7, "Our invitation")
    _email(other, "reminder", 9, "Theirs")
    reminders = StudyEmailTemplate.objects.filter(study=study, kind="reminder")
    assert reminders.current().subject == "Ours"
    assert reminders.next_number() == 2


def test_the_newest_of_each_line_comes_in_one_query(study, django_assert_num_queries):
    _email(study, "reminder", 1, "Old reminder")
    _email(study, "reminder", 2, "New reminder")
    _email(study, "invitation", 1, "Only invitation")
    with django_assert_num_queries(1):
        newest = StudyEmailTemplate.objects.filter(study=study).current_each("kind")
    assert {kind: t.subject for kind, t in newest.items()} == {
        "reminder": "New reminder",
        "invitation": "Only invitation",
    }


def test_a_relation_asks_the_same_questions(study):
    before = study.consent_versions.current()
    assert before is not None, "a new study has consent text"
    newer = ConsentVersion.objects.create(study=study, number=before.number + 1, text="Newer")
    assert study.consent_versions.current() == newer
    assert study.consent_versions.next_number() == newer.number + 1
