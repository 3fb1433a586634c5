"""Researcher pages: staff read, managers change, outsiders get 403."""

from __future__ import annotations

import pytest
from casecast.vignettes.models import PhaseVignette
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.fixtures_vignettes import STAGED_BANK_YAML
from tests.vignettes.conftest import content_counts


def url(name, study, *args):
    return reverse(f"vignettes:{name}", args=[study.slug, *args])


def upload(client, study, name: str, text: str):
    return client.post(url("upload", study), {"bank_file": SimpleUploadedFile(name, text.encode())})


@pytest.mark.parametrize(
    "name,args",
    [
        ("list", ()),
        ("detail", ("staged-case",)),
        ("phases", ()),
        ("download", ("yaml",)),
    ],
)
def test_analyst_can_read(client, study_analyst, staged_vignette, name, args):
    client.force_login(study_analyst)

    assert client.get(url(name, staged_vignette.study, *args)).status_code == 200


@pytest.mark.parametrize("name,args", [("upload", ()), ("phase_edit", (1,))])
def test_analyst_cannot_change(client, study_analyst, study, name, args):
    client.force_login(study_analyst)

    assert client.get(url(name, study, *args)).status_code == 403
    assert client.post(url(name, study, *args)).status_code == 403


@pytest.mark.parametrize(
    "name,args",
    [
        ("list", ()),
        ("detail", ("staged-case",)),
        ("upload", ()),
        ("download", ("csv",)),
        ("phases", ()),
        ("phase_edit", (1,)),
    ],
)
def test_outsider_gets_403(client, outsider, staged_vignette, name, args):
    client.force_login(outsider)

    assert client.get(url(name, staged_vignette.study, *args)).status_code == 403


def test_list_shows_counts_and_tags(client, researcher, staged_vignette):
    client.force_login(researcher)

    page = client.get(url("list", staged_vignette.study)).content.decode()

    assert "staged-case" in page and "Mia, aged 7" in page
    assert "7 of 7" in page  # outcomes known of answerable questions
    assert "neglect, school attendance" in page


def test_preview_shows_stages_questions_and_the_outcome_for_staff(
    client, researcher, staged_vignette
):
    client.force_login(researcher)

    page = client.get(url("detail", staged_vignette.study, "staged-case")).content.decode()

    assert "Stage 3: After the strategy discussion" in page
    assert '<h2 class="govuk-heading-m">Home visit</h2>' in page
    assert "Family members" in page
    assert "Staff only" in page and "Child protection plan" in page
    assert "Completely confident" in page


def test_upload_with_problems_shows_error_summary_and_stores_nothing(client, researcher, study):
    client.force_login(researcher)
    before = content_counts()
    broken = STAGED_BANK_YAML.format(key="staged-case").replace("base_rate: 0.3", "base_rate: 3")

    response = upload(client, study, "bank.yaml", broken)

    page = response.content.decode()
    assert response.status_code == 400
    assert "govuk-error-summary" in page and "Nothing was imported" in page
    assert (
        "bank.yaml, line 24: vignettes[0].stages[0].questions[0].base_rate: must be between 0 and 1"
    ) in page
    assert content_counts() == before


def test_upload_imports_and_reports_what_changed(client, researcher, study):
    client.force_login(researcher)

    response = upload(client, study, "bank.yaml", STAGED_BANK_YAML.format(key="staged-case"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "bank.yaml imported" in page and "Created" in page
    assert study.vignettes.filter(key="staged-case").exists()


def test_upload_refuses_a_file_that_is_not_text(client, researcher, study):
    client.force_login(researcher)

    response = client.post(
        url("upload", study), {"bank_file": SimpleUploadedFile("bank.yaml", b"\xff\xfe\x00")}
    )

    assert "The file must be saved as UTF-8 text." in response.content.decode()


@pytest.mark.parametrize(
    "fmt,snippet",
    [
        ("yaml", "key: staged-case"),
        ("json", '"key": "staged-case"'),
        ("csv", "staged-case,1,"),
    ],
)
def test_download_in_each_format(client, researcher, staged_vignette, fmt, snippet):
    client.force_login(researcher)

    response = client.get(url("download", staged_vignette.study, fmt))

    assert response.status_code == 200
    assert f'vignettes.{fmt}"' in response["Content-Disposition"]
    assert snippet in response.content.decode()


def test_researcher_sets_a_phase_plan(client, study_researcher, staged_vignette):
    client.force_login(study_researcher)
    study = staged_vignette.study

    response = client.post(
        url("phase_edit", study, 1),
        {
            "position-staged-case": "1",
            "group-staged-case": "feedback",
        },
    )

    assert response.status_code == 302
    item = PhaseVignette.objects.get(phase__study=study)
    assert (item.phase.position, item.arm.key, item.is_retest) == (1, "feedback", False)
    assert "Feedback" in client.get(url("phases", study)).content.decode()


def test_phase_plan_errors_are_shown(client, researcher, staged_vignette):
    client.force_login(researcher)

    response = client.post(
        url("phase_edit", staged_vignette.study, 1),
        {
            "position-staged-case": "1",
            "retest-staged-case": "on",
        },
    )

    assert response.status_code == 200
    assert "no earlier phase delivers it" in response.content.decode()
