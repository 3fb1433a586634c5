"""A participant is never stranded: every page offers "Leave the study", and a page that
is not theirs (a staff page, feedback their arm does not get) says why instead of a bare
error. A withdrawn participant sees that they have left, wherever they land."""

import re

import pytest
from django.urls import reverse


def _footer_links(response) -> dict[str, str]:
    page = response.content.decode()
    footer = page[page.index("<footer") : page.index("</footer>")]
    return {
        text: href for href, text in re.findall(r'<a [^>]*href="([^"]+)"[^>]*>([^<]+)</a>', footer)
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url_name", ["forecasts:tasks", "core:privacy", "core:contact", "feedback:home"]
)
def test_every_participant_page_links_to_leaving_the_study(client, participant, url_name):
    client.force_login(participant.user)
    links = _footer_links(client.get(reverse(url_name)))
    assert links["Leave the study"] == reverse("studies:withdraw", args=[participant.study.slug])


@pytest.mark.django_db
def test_the_consent_page_links_to_leaving_too(client, participant_invited):
    client.force_login(participant_invited.user)
    response = client.get(reverse("studies:consent", args=[participant_invited.study.slug]))
    assert "Leave the study" in _footer_links(response)


@pytest.mark.django_db
def test_staff_and_visitors_get_no_leave_link(client, researcher, study):
    assert "Leave the study" not in _footer_links(client.get(reverse("core:privacy")))
    client.force_login(researcher)
    assert "Leave the study" not in _footer_links(client.get(reverse("studies:list")))


@pytest.mark.django_db
def test_the_privacy_notice_says_where_to_withdraw(client):
    page = client.get(reverse("core:privacy")).content.decode()
    assert "from your study page" not in page
    assert "\u201cLeave the study\u201d link at the bottom" in page


@pytest.mark.django_db
def test_a_participant_opening_a_staff_page_is_told_it_is_for_the_research_team(
    client, participant, study
):
    client.force_login(participant.user)
    response = client.get(reverse("studies:detail", args=[study.slug]))
    assert response.status_code == 403
    page = response.content.decode()
    assert "for the research team" in page
    assert reverse("forecasts:tasks") in page


@pytest.mark.django_db
def test_a_participant_opening_feedback_their_group_lacks_is_told_why(client, participant_control):
    client.force_login(participant_control.user)
    response = client.get(reverse("feedback:standing"))
    assert response.status_code == 404
    page = response.content.decode()
    assert "This page is not part of your study" in page
    assert "each group sees different pages" in page


@pytest.mark.django_db
def test_staff_still_get_the_plain_not_found_page(client, researcher):
    client.force_login(researcher)
    response = client.get("/cases/999999/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["forecasts:tasks", "feedback:home", "feedback:track_record"])
def test_a_withdrawn_participant_is_told_they_have_left(client, participant, url_name):
    from casecast.studies import services

    services.participant_withdraw(participant=participant, keep_data=True, by=participant.user)
    participant.user.refresh_from_db()  # withdrawal ended the sessions the old account had
    client.force_login(participant.user)
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert "You have left this study" in response.content.decode()
