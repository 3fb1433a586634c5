"""Who can reach what: anonymous visitors see only public pages."""

import pytest
from django.urls import reverse

PUBLIC = [
    "core:start",
    "core:privacy",
    "core:accessibility",
    "core:contact",
    "accounts:request_link",
    "accounts:login",
]


@pytest.mark.django_db
@pytest.mark.parametrize("name", PUBLIC)
def test_public_pages_are_open_to_anonymous_visitors(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert b'class="govuk-skip-link"' in response.content


@pytest.mark.django_db
def test_other_pages_send_anonymous_visitors_to_sign_in(client):
    response = client.get(reverse("core:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_site_admin_area_is_closed_to_researchers(client, researcher):
    client.force_login(researcher)
    response = client.get("/site-admin/")
    assert response.status_code == 302  # admin's own login page, not the index
    assert "/site-admin/login/" in response["Location"]


@pytest.mark.django_db
def test_site_admin_reaches_the_admin(client, site_admin):
    client.force_login(site_admin)
    assert client.get("/site-admin/").status_code == 200


@pytest.mark.django_db
def test_unknown_page_shows_the_styled_not_found_page(client, settings):
    settings.DEBUG = False
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert b"govuk-footer" in response.content


@pytest.mark.django_db
def test_server_error_page_is_styled(client, settings):
    settings.DEBUG = False
    from casecast.core.views import error_500

    response = error_500(client.get("/").wsgi_request)
    assert response.status_code == 500
    assert b"Sorry, there is a problem with the service" in response.content
