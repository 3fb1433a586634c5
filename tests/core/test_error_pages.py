"""Pages with form errors, across the apps, as GOV.UK asks for them.

For each page submitted with missing or wrong answers:

- the <title> starts with "Error: " and ends with "– Casecast";
- every link in the error summary goes to an element that exists on the page
  (a single checkbox's own id, the first option of a group of radios);
- each field's message is also shown at the field, and no id is used twice;
- no message is Django's generic "This field is required.".
"""

from __future__ import annotations

import re

import pytest
from casecast.vignettes.models import Question
from django.test import Client
from django.urls import reverse

from tests.core.error_page_support import TITLE_END, assert_error_page, read

SIGN_IN_FAILED = "Enter the email address and password for your researcher account"


# --- Error-summary links land on the field ------------------------------------------


def test_consent_error_links_to_the_single_checkbox(client, study, participant_invited):
    client.force_login(participant_invited.user)
    version = study.consent_versions.get()
    html = client.post(
        reverse("studies:consent", args=[study.slug]), {"consent_version": version.pk}
    ).content.decode()
    page = assert_error_page(html)
    assert page.summary_links == [("#id_agree", "Tick the box to confirm you agree to take part")]
    assert 'id="id_agree" name="agree" type="checkbox"' in html
    assert "id_agree_0" not in html


def test_about_you_errors_link_to_the_first_answer_of_each_question(
    client, study, participant_consented
):
    client.force_login(participant_consented.user)
    html = client.post(reverse("studies:baseline", args=[study.slug]), {}).content.decode()
    page = assert_error_page(html, at_least=3)
    keys = [question.key for question in study.baseline_questions.all()]
    assert [href for href, _ in page.summary_links] == [f"#id_{key}_0" for key in keys]


def test_staff_radios_and_checkbox_groups_link_to_their_first_option(client, researcher, study):
    client.force_login(researcher)
    html = client.post(reverse("studies:staff_add", args=[study.slug]), {}).content.decode()
    page = assert_error_page(html, at_least=2)
    assert ("#id_role_0", "Select a role") in page.summary_links
    assert ("#id_email", "Enter an email address") in page.summary_links

    # A group of checkboxes (strata) and radios on one page: each link lands somewhere.
    html = client.post(
        reverse("studies:randomisation", args=[study.slug]),
        {"scheme": "nonsense", "strata": ["nonsense"], "block_multiples": ""},
    ).content.decode()
    page = assert_error_page(html, at_least=3)
    hrefs = [href for href, _ in page.summary_links]
    assert "#id_scheme_0" in hrefs
    assert "#id_strata_0" in hrefs


# --- Every page with a form error, across the apps ----------------------------------


def _question(staged_vignette, key: str) -> Question:
    return Question.objects.get(stage__version__vignette=staged_vignette, key=key)


STAFF_DESIGN_PAGES = [
    "edit",
    "status",
    "arm_add",
    "randomisation",
    "council_add",
    "phase_add",
    "baseline_add",
    "eligibility_add",
    "consent_edit",
    "staff_add",
]


@pytest.mark.django_db
def test_every_error_page_has_an_error_title_and_working_links(
    client, researcher, study, participant, participant_consented, staged_vignette
):
    pages: dict[str, str] = {}
    anonymous = Client()
    pages["sign in"] = anonymous.post(reverse("accounts:login"), {}).content.decode()
    pages["sign in, wrong password"] = anonymous.post(
        reverse("accounts:login"), {"username": researcher.email, "password": "wrong"}
    ).content.decode()
    pages["new link"] = anonymous.post(reverse("accounts:request_link"), {}).content.decode()
    pages["study code"] = anonymous.post(reverse("studies:enrol_code"), {}).content.decode()

    client.force_login(participant_consented.user)
    pages["about you"] = client.post(
        reverse("studies:baseline", args=[study.slug]), {}
    ).content.decode()
    pages["leave the study"] = client.post(
        reverse("studies:withdraw", args=[study.slug]), {}
    ).content.decode()

    client.force_login(researcher)
    slug = study.slug
    for name in STAFF_DESIGN_PAGES:
        pages[f"studies:{name}"] = client.post(
            reverse(f"studies:{name}", args=[slug]), {}
        ).content.decode()
    pages["record a withdrawal"] = client.post(
        reverse("studies:participant_withdraw", args=[slug, participant.pk]), {}
    ).content.decode()
    question = _question(staged_vignette, "rereferral-3m")
    pages["outcome"] = client.post(
        reverse("resolution:outcome", args=[slug, question.pk]), {"outcome": ""}
    ).content.decode()
    pages["annul"] = client.post(
        reverse("resolution:annul", args=[slug, question.pk]), {"reason": ""}
    ).content.decode()
    pages["import outcomes"] = client.post(
        reverse("resolution:import", args=[slug]), {"submit": "1"}
    ).content.decode()
    pages["vignette upload"] = client.post(
        reverse("vignettes:upload", args=[slug]), {"bank_file": ""}
    ).content.decode()
    pages["email"] = client.post(
        reverse("notifications:staff_email_edit", args=[slug, "reminder"]),
        {"subject": "", "body": "((link))"},
    ).content.decode()
    pages["reminders"] = client.post(
        reverse("notifications:staff_emails", args=[slug]), {"every_days": "0"}
    ).content.decode()

    form_wide = {"sign in, wrong password": (SIGN_IN_FAILED,)}
    failures = []
    for name, html in pages.items():
        try:
            assert_error_page(html, form_wide=form_wide.get(name, ()))
        except AssertionError as problem:
            failures.append(f"{name}: {problem}")
    assert not failures, "\n".join(failures)


# --- "Error: " only when there is an error; the service name always -----------------


def test_pages_without_errors_have_no_error_prefix(client, researcher, study):
    from casecast.studies import services

    draft = services.study_create(title="A draft", by=researcher)
    client.force_login(researcher)
    detail = client.get(reverse("studies:detail", args=[draft.slug])).content.decode()
    assert "Before the study can open for recruitment" in detail  # `problems`, not errors
    assert read(detail).title == "A draft – Casecast"
    for url in (
        reverse("studies:staff_add", args=[study.slug]),
        reverse("studies:detail", args=[study.slug]),
        reverse("notifications:staff_email_edit", args=[study.slug, "reminder"]),
        reverse("resolution:import", args=[study.slug]),
    ):
        title = read(client.get(url).content.decode()).title
        assert not title.startswith("Error"), (url, title)
        assert title.endswith(TITLE_END), (url, title)


@pytest.mark.django_db
def test_every_page_title_ends_with_the_service_name(client):
    for url in ("/", "/accounts/sign-in/", "/accounts/new-link/", "/privacy/", "/no-such-page/"):
        title = read(Client().get(url, HTTP_HOST="127.0.0.1").content.decode()).title
        assert title.endswith(TITLE_END), (url, title)
        assert "127.0.0.1" not in title
    assert read(Client().get("/accounts/sign-in/").content.decode()).title == ("Sign in – Casecast")


def test_title_is_escaped_and_never_prefixed_twice():
    from django.template import Context, Template

    template = Template("{% load govuk %}{% govuk_page_title %}")
    assert template.render(Context({"page_title": "Error: Case 1"})) == "Error: Case 1 – Casecast"
    assert template.render(Context({"page_title": "A & B"})) == "A &amp; B – Casecast"
    assert template.render(Context({"error_summary": [{"href": "#q1"}], "page_title": "Case"})) == (
        "Error: Case – Casecast"
    )


@pytest.fixture
def training_participant(researcher):
    """A participant in an arm with calibration training, in a recruiting study."""
    from casecast.studies import services
    from casecast.studies.models import Study

    from tests.fixtures_studies import build_study, create_participant

    study = build_study(
        by=researcher,
        title="Training study",
        status=Study.Status.DRAFT,
        arms=(("control", "Control", 1), ("calibration", "Calibration", 1)),
    )
    arm = study.arms.get(key="calibration")
    services.arm_save(
        study=study, arm=arm, by=researcher, training_module="calibration", feedback_policies=[]
    )
    services.study_status_change(study=study, to=Study.Status.RECRUITING, by=researcher)
    study.refresh_from_db()
    return create_participant(study=study, email="trainee@example.org", arm="calibration")


@pytest.mark.django_db
def test_training_pages_with_errors_get_the_error_title(client, researcher, training_participant):
    client.force_login(training_participant.user)
    client.post(reverse("training:start"))
    client.post(reverse("training:step", args=[1]))  # the opening lesson
    html = client.post(reverse("training:step", args=[2]), {}).content.decode()
    page = assert_error_page(html, at_least=2)
    assert re.fullmatch(r"Error: .+ – step 2 of \d+ – Casecast", page.title), page.title
    hrefs = [href for href, _ in page.summary_links]
    assert hrefs == ["#id_answer_0", "#id_confidence_0"]
    assert not read(
        client.get(reverse("training:step", args=[2])).content.decode()
    ).title.startswith("Error")

    client.force_login(researcher)
    slug = training_participant.study.slug
    url = reverse("training:staff_edit", args=[slug, "calibration"])
    edit = read(client.post(url, {"source_yaml": "", "note": ""}).content.decode())
    assert edit.title.startswith("Error: Edit "), edit.title
    assert edit.title.count("Error:") == 1
    assert all(href[1:] in edit.ids for href, _ in edit.summary_links), edit.summary_links


@pytest.mark.django_db
def test_import_reports_with_problems_get_the_error_title(client, researcher, study):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(researcher)
    bank = SimpleUploadedFile("bank.yaml", b"format: casecast-bank/1\nvignettes: nonsense\n")
    html = client.post(reverse("vignettes:upload", args=[study.slug]), {"bank_file": bank})
    page = read(html.content.decode())
    assert page.title == "Error: The bank was not imported – Casecast"
    assert page.summary_links and all(href[1:] in page.ids for href, _ in page.summary_links)

    rows = SimpleUploadedFile("outcomes.csv", b"vignette,question\nnope,nope\n")
    html = client.post(reverse("resolution:import", args=[study.slug]), {"file": rows})
    page = read(html.content.decode())
    assert page.title == "Error: Import outcomes from a CSV file – Casecast"
    assert "Nothing was imported" in html.content.decode()
