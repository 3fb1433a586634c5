"""Phases and baseline questions can be put in order while the study is in draft."""

import pytest
from casecast.audit.models import AuditEvent
from casecast.studies.models import BaselineQuestion, Study
from django.urls import reverse

from tests.fixtures_studies import build_study


@pytest.fixture
def draft(db, researcher):
    study = build_study(by=researcher, status=Study.Status.DRAFT)
    study.phases.create(name="Follow-up cases", position=3)
    return study


def _names(study):
    return list(study.phases.order_by("position").values_list("name", flat=True))


def _move(client, study, phase, direction):
    url = reverse("studies:phase_move", args=[study.slug, phase.pk])
    return client.post(url, {"direction": direction}, follow=True)


def test_a_phase_moves_up_and_down_and_positions_stay_one_to_n(client, researcher, draft):
    client.force_login(researcher)
    last = draft.phases.get(name="Follow-up cases")
    page = _move(client, draft, last, "up").content.decode()
    assert "Moved &#x27;Follow-up cases&#x27; up." in page
    assert _names(draft) == ["Baseline cases", "Follow-up cases", "After randomisation"]
    _move(client, draft, draft.phases.get(name="Baseline cases"), "down")
    assert _names(draft) == ["Follow-up cases", "Baseline cases", "After randomisation"]
    assert sorted(draft.phases.values_list("position", flat=True)) == [1, 2, 3]
    assert AuditEvent.objects.filter(action="phase.move", actor=researcher).count() == 2


def test_the_page_offers_only_the_moves_that_exist(client, researcher, draft):
    client.force_login(researcher)
    page = client.get(reverse("studies:phases", args=[draft.slug])).content.decode()
    assert page.count(">Move up<") == 2  # not for the first phase
    assert page.count(">Move down<") == 2  # not for the last
    assert 'Move up<span class="govuk-visually-hidden"> Follow-up cases</span>' in page


def test_moving_the_first_phase_up_changes_nothing(client, researcher, draft):
    client.force_login(researcher)
    before = _names(draft)
    page = _move(client, draft, draft.phases.get(name="Baseline cases"), "up").content.decode()
    assert _names(draft) == before
    assert "Moved" not in page
    assert not AuditEvent.objects.filter(action="phase.move").exists()


def test_reordering_is_refused_once_the_study_leaves_draft(client, researcher, study):
    client.force_login(researcher)
    before = _names(study)
    phase = study.phases.get(name="After randomisation")
    page = _move(client, study, phase, "up").content.decode()
    assert "Phases can only be reordered while the study is in draft" in page
    assert _names(study) == before
    listing = client.get(reverse("studies:phases", args=[study.slug])).content.decode()
    assert "Move up" not in listing


def test_analysts_cannot_reorder(client, study_analyst, study):
    client.force_login(study_analyst)
    phase = study.phases.get(name="After randomisation")
    url = reverse("studies:phase_move", args=[study.slug, phase.pk])
    assert client.post(url, {"direction": "up"}).status_code == 403


def test_baseline_questions_move_and_participants_see_the_new_order(client, researcher, draft):
    client.force_login(researcher)
    # Positions as left by deletions and additions can repeat: the move numbers them 1..n.
    BaselineQuestion.objects.filter(study=draft).update(position=0)
    keys = list(draft.baseline_questions.values_list("key", flat=True))
    assert len(keys) >= 2
    last = draft.baseline_questions.get(key=keys[-1])
    url = reverse("studies:baseline_move", args=[draft.slug, last.pk])
    client.post(url, {"direction": "up"})
    expected = [*keys[:-2], keys[-1], keys[-2]]
    assert list(draft.baseline_questions.values_list("key", flat=True)) == expected
    assert list(draft.baseline_questions.values_list("position", flat=True)) == list(
        range(1, len(keys) + 1)
    )
    from casecast.studies.forms import BaselineForm

    form = BaselineForm(questions=list(draft.baseline_questions.all()))
    assert list(form.fields) == expected
