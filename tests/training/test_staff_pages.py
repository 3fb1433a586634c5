"""The researchers' training pages: words instead of codes, honest times, the example-content
label, errors at the field they are about, and a GET that writes nothing."""

import pytest
from casecast.studies import services as study_services
from casecast.training import services
from casecast.training.models import TrainingAttempt, TrainingModuleVersion
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.feedback.page import main, summary_rows, table_rows
from tests.training.support import do_module


def _overview(client, researcher, study):
    client.force_login(researcher)
    response = client.get(reverse("training:staff_overview", args=[study.slug]))
    assert response.status_code == 200
    return main(response.content)


def _module(page, key):
    summary = page.find("dl", data_module_summary=key)
    assert summary is not None
    return dict(summary_rows(summary))


@pytest.mark.django_db
def test_arm_table_shows_names_and_words_not_codes_or_none(client, researcher, training_study):
    arm = training_study.arms.get(key="calibration")
    study_services.arm_save(
        study=training_study,
        arm=arm,
        by=researcher,
        training_module="calibration",
        feedback_policies=["outcome", "peer"],
        reason="Test: feedback for the calibration arm",
    )
    page = _overview(client, researcher, training_study)
    rows = table_rows(page.find("table", data_arm_table=""))
    assert rows == [
        ["Arm", "Training module", "Feedback", "Shows base rates"],
        ["Control", "No training", "No feedback", "No"],
        ["Calibration", "Calibration training", "Outcome feedback, Peer comparison", "No"],
        ["Debiasing", "Cognitive debiasing", "No feedback", "No"],
    ]
    assert "None" not in page.seen()


@pytest.mark.django_db
def test_modules_nobody_has_started_say_so(client, researcher, training_study):
    page = _overview(client, researcher, training_study)
    rows = _module(page, "debiasing")
    assert rows["Participants"] == "Not started"
    assert rows["Median time to complete"] == "No completions yet"
    assert "0.0" not in page.seen()


@pytest.mark.django_db
def test_median_time_is_a_dash_without_recorded_time_and_minutes_with_it(
    client, researcher, training_study, trainee
):
    first = do_module(trainee("debiasing"))  # through the services: no time recorded
    assert first.seconds_spent == 0
    rows = _module(_overview(client, researcher, training_study), "debiasing")
    assert rows["Participants"] == "1 completed of 1 started"
    assert rows["Median time to complete"] == "\N{EN DASH}"

    second = do_module(trainee("debiasing", email="second@example.org"))
    third = do_module(trainee("debiasing", email="third@example.org"))
    TrainingAttempt.objects.filter(pk=second.pk).update(seconds_spent=9 * 60)
    TrainingAttempt.objects.filter(pk=third.pk).update(seconds_spent=13 * 60)
    rows = _module(_overview(client, researcher, training_study), "debiasing")
    assert rows["Participants"] == "3 completed of 3 started"
    assert rows["Median time to complete"] == "11 minutes"  # (9 + 13) / 2; the 0 is no data


@pytest.mark.django_db
def test_bundled_calibration_is_labelled_example_content_for_researchers(
    client, researcher, training_study
):
    page = _overview(client, researcher, training_study)
    notes = [node.seen() for node in page.has_attr("data-researcher-note")]
    assert len(notes) == 1  # calibration only
    assert "Example content — replace before use." in notes[0]
    edit = main(
        client.get(
            reverse("training:staff_edit", args=[training_study.slug, "calibration"])
        ).content
    )
    assert "Example content — replace before use." in edit.find(data_researcher_note="").seen()
    version = services.module_version_current(study=training_study, key="calibration")
    shown = main(
        client.get(
            reverse("training:staff_version", args=[training_study.slug, "calibration", 1])
        ).content
    )
    assert version.number == 1
    assert "Example content — replace before use." in shown.find(data_researcher_note="").seen()


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["calibration", "debiasing"])
def test_opening_the_edit_page_writes_nothing(client, researcher, training_study, key):
    client.force_login(researcher)
    url = reverse("training:staff_edit", args=[training_study.slug, key])
    before = TrainingModuleVersion.objects.count()
    response = client.get(url)
    assert response.status_code == 200
    assert TrainingModuleVersion.objects.count() == before == 0
    page = main(response.content)
    assert page.find("textarea", id="id_source_yaml").text().startswith(f"key: {key}")
    assert "not yet saved" in page.seen()
    client.get(url)
    assert TrainingModuleVersion.objects.count() == 0


def _errors(page):
    summary = page.find(cls="govuk-error-summary")
    assert summary is not None
    return [(a.attrs["href"], a.seen()) for a in summary.find_all("a")]


@pytest.mark.django_db
def test_an_empty_save_is_an_error_at_the_text_box(client, researcher, training_study):
    client.force_login(researcher)
    url = reverse("training:staff_edit", args=[training_study.slug, "debiasing"])
    response = client.post(url, {"source_yaml": "  ", "note": ""})
    page = main(response.content)
    message = "Enter the module content or upload a YAML file"
    assert _errors(page) == [("#id_source_yaml", message)]
    assert page.find(id="id_source_yaml-error").seen() == f"{message}"
    assert "#main-content" not in response.content.decode().split("govuk-error-summary", 1)[1]
    assert TrainingModuleVersion.objects.count() == 0


@pytest.mark.django_db
def test_yaml_problems_are_shown_at_the_text_box_and_linked_from_the_summary(
    client, researcher, training_study
):
    client.force_login(researcher)
    url = reverse("training:staff_edit", args=[training_study.slug, "debiasing"])
    text = services.bundled_yaml(key="debiasing").replace("correct: 1", "correct: 7", 1)
    text = text.replace("key: anchoring", "key: base-rates", 1)
    response = client.post(url, {"source_yaml": text})
    assert response.status_code == 200
    page = main(response.content)
    problems = [
        "steps[1].check.correct: must be the number of the right answer, 1 to 3",
        "steps[3].key: 'base-rates' is used by another step",
    ]
    assert _errors(page) == [("#id_source_yaml", problem) for problem in problems]
    at_field = page.find(id="id_source_yaml-error")
    assert at_field.seen() == f"The content has 2 problems: {problems[0]} {problems[1]}"
    textarea = page.find("textarea", id="id_source_yaml")
    assert "govuk-textarea--error" in textarea.classes
    assert "id_source_yaml-error" in textarea.attrs["aria-describedby"].split()
    assert textarea.text() == " ".join(text.split())  # what they typed is kept
    assert page.find(cls="govuk-form-group--error").find("textarea") is not None
    assert TrainingModuleVersion.objects.count() == 0


@pytest.mark.django_db
def test_an_unreadable_upload_is_an_error_at_the_upload_field(client, researcher, training_study):
    client.force_login(researcher)
    url = reverse("training:staff_edit", args=[training_study.slug, "debiasing"])
    upload = SimpleUploadedFile("module.yaml", b"\xff\xfe not utf-8")
    page = main(client.post(url, {"upload": upload}).content)
    assert _errors(page) == [("#id_upload", "The file must be UTF-8 text")]
    assert "The file must be UTF-8 text" in page.find(id="id_upload-error").seen()


@pytest.mark.django_db
def test_the_first_save_keeps_the_bundled_content_as_version_1(client, researcher, training_study):
    client.force_login(researcher)
    url = reverse("training:staff_edit", args=[training_study.slug, "debiasing"])
    edited = services.bundled_yaml(key="debiasing").replace(
        "title: Thinking about the odds", "title: Odds, our way", 1
    )
    assert client.post(url, {"source_yaml": edited, "note": ""}).status_code == 302
    versions = list(
        TrainingModuleVersion.objects.filter(study=training_study, key="debiasing")
        .order_by("number")
        .values_list("number", "title", "note")
    )
    assert versions == [(1, "Thinking about the odds", "Bundled content"), (2, "Odds, our way", "")]
