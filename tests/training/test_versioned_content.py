"""Module content is versioned: researchers save new versions; completions record theirs."""

from datetime import timedelta

import pytest
from casecast.studies.models import StudyMembership
from casecast.training import services
from casecast.training.content import ContentError, module_parse, module_to_yaml
from casecast.training.models import TrainingModuleVersion
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.feedback.page import main
from tests.training.support import do_module


def _edited_debiasing(title: str) -> str:
    return services.bundled_yaml(key="debiasing").replace(
        "title: Thinking about the odds", f"title: {title}", 1
    )


@pytest.mark.parametrize("key", ["calibration", "debiasing"])
def test_bundled_content_is_valid_and_round_trips_through_yaml(key):
    content = module_parse(services.bundled_yaml(key=key), key=key)
    assert module_parse(module_to_yaml(content), key=key) == content


def test_problems_are_reported_with_where_they_are():
    text = services.bundled_yaml(key="debiasing").replace("correct: 1", "correct: 7", 1)
    text = text.replace("key: anchoring", "key: base-rates", 1)
    with pytest.raises(ContentError) as error:
        module_parse(text, key="debiasing")
    assert "steps[1].check.correct: must be the number of the right answer, 1 to 3" in (
        error.value.problems
    )
    assert "steps[3].key: 'base-rates' is used by another step" in error.value.problems


def test_calibration_training_needs_20_questions():
    content = module_parse(services.bundled_yaml(key="calibration"), key="calibration")
    short = content.__class__(**{**content.__dict__, "steps": content.steps[:15]})
    with pytest.raises(ContentError, match="at least 20 confidence questions"):
        module_parse(module_to_yaml(short), key="calibration")


@pytest.mark.django_db
def test_researcher_saves_a_new_version_from_the_edit_page(client, training_study, researcher):
    client.force_login(researcher)
    url = reverse("training:staff_edit", args=[training_study.slug, "debiasing"])
    assert "Thinking about the odds" in client.get(url).content.decode()
    response = client.post(
        url, {"source_yaml": _edited_debiasing("Odds, version two"), "note": "New title"}
    )
    assert response.status_code == 302
    numbers = list(
        TrainingModuleVersion.objects.filter(study=training_study, key="debiasing").values_list(
            "number", "title"
        )
    )
    assert numbers == [(1, "Thinking about the odds"), (2, "Odds, version two")]
    overview = client.get(reverse("training:staff_overview", args=[training_study.slug]))
    assert "Version 2: Odds, version two" in overview.content.decode()


@pytest.mark.django_db
def test_a_yaml_upload_saves_a_version_and_bad_yaml_is_refused_with_located_errors(
    client, training_study, researcher
):
    client.force_login(researcher)
    url = reverse("training:staff_edit", args=[training_study.slug, "debiasing"])
    upload = SimpleUploadedFile("module.yaml", _edited_debiasing("Uploaded").encode())
    assert client.post(url, {"upload": upload}).status_code == 302
    assert TrainingModuleVersion.objects.filter(title="Uploaded").exists()
    bad = SimpleUploadedFile("module.yaml", b"title: x\nintro: y\nsteps: []\n")
    page = main(client.post(url, {"upload": bad}).content)
    summary = page.find(cls="govuk-error-summary")
    assert summary is not None
    links = [(a.attrs["href"], a.seen()) for a in summary.find_all("a")]
    assert ("#id_source_yaml", "steps: must be a list with at least one step") in links
    at_field = page.find(id="id_source_yaml-error")
    assert at_field is not None
    assert "steps: must be a list with at least one step" in at_field.seen()
    # The uploaded content is in the text box, to be fixed there.
    assert page.find("textarea", id="id_source_yaml").text().startswith("title: x")
    assert TrainingModuleVersion.objects.filter(study=training_study).count() == 2


@pytest.mark.django_db
def test_analysts_can_read_but_not_edit(client, training_study, django_user_model):
    analyst = django_user_model.objects.create_user(email="a@example.org")
    StudyMembership.objects.create(
        study=training_study, user=analyst, role=StudyMembership.Role.ANALYST
    )
    client.force_login(analyst)
    assert (
        client.get(reverse("training:staff_overview", args=[training_study.slug])).status_code
        == 200
    )
    assert (
        client.get(
            reverse("training:staff_edit", args=[training_study.slug, "debiasing"])
        ).status_code
        == 403
    )


@pytest.mark.django_db
def test_a_participant_keeps_the_version_they_started_and_completion_records_it(
    trainee, researcher, training_study
):
    participant = trainee("debiasing")
    attempt = services.training_start(participant=participant)
    services.module_version_save(
        study=training_study, key="debiasing", source_yaml=_edited_debiasing("Newer"), by=researcher
    )
    attempt = do_module(participant)
    assert attempt.version.number == 1
    assert attempt.completed_at is not None
    later = trainee("debiasing", email="later@example.org")
    assert services.training_start(participant=later).version.title == "Newer"


@pytest.mark.django_db
def test_time_spent_adds_the_gaps_between_requests_capping_long_ones(trainee):
    participant = trainee("debiasing")
    attempt = services.training_start(participant=participant)
    start = attempt.last_seen_at
    services.training_touch(attempt=attempt, now=start + timedelta(seconds=90))
    services.training_touch(attempt=attempt, now=start + timedelta(hours=5))
    assert attempt.seconds_spent == 90 + 600
