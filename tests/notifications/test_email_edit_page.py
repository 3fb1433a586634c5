"""The email edit page: placeholder problems at the field, a preview on this site's address."""

import pytest
from casecast.notifications import wording
from django.urls import reverse

from tests.core.error_page_support import assert_error_page, read


def _edit_url(study, kind="reminder"):
    return reverse("notifications:staff_email_edit", args=[study.slug, kind])


def _field_group(html: str, field: str) -> str:
    """The markup of one field's form group (from its group to the next one)."""
    start = html.rindex('<div class="govuk-form-group', 0, html.index(f'id="id_{field}"'))
    end = html.find('<div class="govuk-form-group', start + 1)
    return html[start : end if end != -1 else len(html)]


@pytest.mark.django_db
def test_placeholder_problems_are_shown_at_the_field_that_has_them(client, email_study, researcher):
    client.force_login(researcher)
    html = client.post(
        _edit_url(email_study),
        {"subject": "Hello ((nickname))", "body": "((link)) ((secret))"},
    ).content.decode()
    page = assert_error_page(html, at_least=3)
    unknown_body = "((secret)) is not a placeholder for this email"
    unknown_subject = "((nickname)) is not a placeholder for this email"
    missing = "The message must include ((unsubscribe_link))"

    body = _field_group(html, "body")
    assert "govuk-form-group--error" in body
    assert 'id="id_body-error"' in body
    assert unknown_body in body and missing in body
    assert 'aria-describedby="id_body-hint id_body-error"' in body
    subject = _field_group(html, "subject")
    assert unknown_subject in subject and unknown_body not in subject

    links = dict((text, href) for href, text in page.summary_links)
    assert links[f"{unknown_body}. Use only the placeholders listed above"] == "#id_body"
    assert links[missing] == "#id_body"
    assert links[f"{unknown_subject}. Use only the placeholders listed above"] == "#id_subject"
    assert page.title == "Error: Edit the reminder about unfinished cases email – Casecast"


@pytest.mark.django_db
def test_the_preview_uses_this_sites_address_and_wraps(client, email_study, researcher, settings):
    settings.SITE_URL = "https://casecast.council.example"
    client.force_login(researcher)
    html = client.get(_edit_url(email_study)).content.decode()
    assert "https://casecast.council.example/accounts/link/?token=…" in html
    assert "https://casecast.council.example/notifications/unsubscribe/…/" in html
    assert "casecast.example.org" not in html
    assert '<pre class="govuk-body app-pre-wrap">' in html
    assert not read(html).title.startswith("Error")


def test_every_problem_belongs_to_a_field():
    found = wording.wording_problems_by_field(
        kind="reminder", subject="((x))\nsecond line", body="((y))"
    )
    assert set(found) == {"subject", "body"}
    assert "The subject must be one line" in found["subject"]
    assert "The message must include ((link))" in found["body"]
    assert wording.wording_problems(
        kind="reminder", subject="((x))\nsecond line", body="((y))"
    ) == [
        *found["subject"],
        *found["body"],
    ]
    assert (
        wording.wording_problems_by_field(
            kind="reminder", subject="Hi", body="((link)) ((unsubscribe_link))"
        )
        == {}
    )
