"""What a participant sees on the training pages: no researchers' notes, counts that agree,
and a results table grouped by the confidence levels they could actually choose."""

import re
from collections import Counter

import pytest
import yaml
from casecast.training import services
from casecast.training.models import TrainingModuleVersion
from django.urls import reverse

from tests.feedback.page import main, summary_rows, table_rows
from tests.training.support import do_module

OLD_BUNDLED_NOTICE = (
    "The questions below are general knowledge with answers you can check in any "
    "encyclopaedia. They are a starting set: replace or extend them before use if your "
    "study needs its own."
)


def _bundled_counts(key):
    """Steps and questions of the bundled module, counted from its YAML."""
    data = yaml.safe_load(services.bundled_yaml(key=key))
    steps = data["steps"]
    return len(steps), sum(1 for step in steps if step["type"] == "confidence")


def _start_page(client, participant):
    client.force_login(participant.user)
    response = client.get(reverse("training:start"))
    assert response.status_code == 200
    return main(response.content)


@pytest.mark.django_db
def test_the_start_page_shows_no_researchers_note(client, trainee):
    page = _start_page(client, trainee("calibration"))
    seen = page.seen()
    assert "replace" not in seen.lower()
    assert "starting set" not in seen
    assert "Example content" not in seen
    assert page.find(cls="govuk-warning-text") is None


@pytest.mark.django_db
def test_the_start_page_counts_steps_and_questions_the_same_way_throughout(client, trainee):
    steps, questions = _bundled_counts("calibration")
    assert (steps, questions) == (25, 24)
    seen = _start_page(client, trainee("calibration")).seen()
    assert f"There are {steps} steps: 1 page to read and {questions} questions." in seen
    assert "Then you will see your results." in seen
    # Every count of questions or steps on the page is the same one.
    assert set(re.findall(r"(\d+) (?:quick )?(?:general-knowledge )?questions", seen)) == {
        str(questions)
    }
    assert set(re.findall(r"(\d+) steps", seen)) == {str(steps)}


@pytest.mark.django_db
def test_debiasing_start_page_describes_its_pages(client, trainee):
    steps, _ = _bundled_counts("debiasing")
    seen = _start_page(client, trainee("debiasing")).seen()
    assert f"There are {steps} steps: {steps} pages to read, each with a question." in seen


@pytest.mark.django_db
def test_progress_is_counted_in_the_same_steps(client, trainee):
    participant = trainee("calibration")
    client.force_login(participant.user)
    client.post(reverse("training:start"))
    client.post(reverse("training:step", args=[1]))
    seen = _start_page(client, participant).seen()
    assert "You have done 1 of the 25 steps." in seen


@pytest.mark.django_db
def test_a_version_saved_with_the_old_researchers_notice_does_not_show_it_to_participants(
    client, trainee, training_study, researcher
):
    # As the bundled content was before: the researchers' note in `notice`.
    data = yaml.safe_load(services.bundled_yaml(key="calibration"))
    del data["researcher_note"]
    data["notice"] = OLD_BUNDLED_NOTICE
    old = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    services.module_version_save(study=training_study, key="calibration", source_yaml=old, by=None)
    seen = _start_page(client, trainee("calibration")).seen()
    assert "starting set" not in seen
    # Researchers still see it, as the example-content label.
    client.force_login(researcher)
    overview = main(
        client.get(reverse("training:staff_overview", args=[training_study.slug])).content
    )
    notes = [note.seen() for note in overview.has_attr("data-researcher-note")]
    assert len(notes) == 1
    assert "Example content — replace before use." in notes[0]
    assert "starting set" in notes[0]


@pytest.mark.django_db
def test_a_notice_written_for_participants_is_still_shown_to_them(client, trainee, training_study):
    text = services.bundled_yaml(key="debiasing").replace(
        "title: Thinking about the odds\n",
        "title: Thinking about the odds\nnotice: Take a break between pages if you need one.\n",
        1,
    )
    services.module_version_save(study=training_study, key="debiasing", source_yaml=text, by=None)
    page = _start_page(client, trainee("debiasing"))
    warning = page.find(cls="govuk-warning-text")
    assert warning is not None
    assert warning.seen() == "! Take a break between pages if you need one."


@pytest.mark.django_db
def test_opening_the_start_page_saves_no_version(client, trainee, training_study):
    participant = trainee("calibration")
    before = TrainingModuleVersion.objects.filter(study=training_study).count()
    _start_page(client, participant)
    assert TrainingModuleVersion.objects.filter(study=training_study).count() == before == 0
    client.post(reverse("training:start"))  # starting does save the bundled content
    assert TrainingModuleVersion.objects.filter(study=training_study).count() == 1


def _results(client, participant):
    client.force_login(participant.user)
    return main(client.get(reverse("training:results")).content)


@pytest.mark.django_db
def test_results_group_answers_by_the_confidence_levels_participants_could_choose(client, trainee):
    participant = trainee("calibration")
    levels = [50, 60, 70, 80, 90, 100]
    attempt = do_module(
        participant,
        right=lambda i: i % 2 == 0,
        confidence=lambda i: levels[i % len(levels)] if i % 5 else 60,
    )
    records = list(attempt.steps.exclude(confidence=None).values_list("confidence", "correct"))
    assert len(records) == 24
    page = _results(client, participant)
    table = page.find("table", data_calibration_table="")
    assert table.find("caption").seen() == "24 answers, grouped by how sure you were"
    rows = table_rows(table)
    assert rows[0] == ["How sure you were", "Answers", "How often you were right"]
    shown = {row[0]: row[1:] for row in rows[1:]}
    # One row per level from 50% to 100%; nothing below 50%, where no answer can be.
    assert list(shown) == [f"{level}%" for level in levels]
    counts = Counter(confidence for confidence, _ in records)
    right = Counter(confidence for confidence, correct in records if correct)
    for level in levels:
        count, rate = shown[f"{level}%"]
        assert int(count) == counts[level]
        expected = f"{round(100 * right[level] / counts[level])}%" if counts[level] else "–"
        assert rate == expected
    assert counts[60] > 0 and int(shown["60%"][0]) == counts[60]


@pytest.mark.django_db
def test_results_page_speaks_of_answers_and_plain_axis_titles(client, trainee):
    participant = trainee("calibration")
    do_module(participant, right=lambda i: i % 3 != 0, confidence=lambda i: 90)
    page = _results(client, participant)
    chart = page.find("figure").seen() + " " + page.find("table", data_calibration_table="").seen()
    assert "forecast" not in chart.lower()
    assert "24 answers" in chart
    svg = page.find("svg")
    assert svg is not None
    titles = [node.text() for node in svg.find_all("text")]
    assert "How sure you were" in titles
    assert "How often you were right" in titles
    assert "Forecast probability" not in titles
    assert "How often it happened" not in titles
    assert dict(summary_rows(page))["Questions right"].startswith(
        f"{sum(1 for i in range(1, 25) if i % 3 != 0)} of 24"
    )
