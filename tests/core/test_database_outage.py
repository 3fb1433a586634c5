"""When the database is unreachable, people see a plain-English page, never a traceback.

The 500 and 503 pages are rendered without the database (the navigation's
context processor queries it), and a request that meets a broken connection is
answered with 503 and a "try again" message. The real thing — connections
terminated on PostgreSQL — is in tests/faults/test_database_faults.py.
"""

from unittest import mock

import pytest
from casecast.core import views
from django.db.utils import InterfaceError, OperationalError
from django.test import RequestFactory
from django.utils.functional import SimpleLazyObject

DATABASE_DOWN = mock.patch(
    "django.db.backends.utils.CursorWrapper.execute",
    side_effect=OperationalError("server closed the connection unexpectedly"),
)


@pytest.fixture
def client(client):
    """Like a browser: see the page Django serves for an error, not the exception."""
    client.raise_request_exception = False
    return client


def _assert_friendly(response, status: int) -> str:
    html = response.content.decode()
    assert response.status_code == status
    assert "Traceback" not in html
    assert "OperationalError" not in html
    assert "server closed the connection" not in html
    return html


@pytest.mark.django_db
def test_a_signed_in_page_is_a_503_asking_to_try_again_when_the_database_is_down(
    client, researcher
):
    client.force_login(researcher)
    with DATABASE_DOWN:
        response = client.get("/home/")
    html = _assert_friendly(response, 503)
    assert "Sorry, the service is unavailable" in html
    assert "try again" in html
    assert "have already saved have not been lost" in html
    assert response["Retry-After"] == "10"


@pytest.mark.django_db
def test_a_dropped_connection_during_a_view_is_a_503(client, researcher):
    client.force_login(researcher)
    with mock.patch.object(views, "home_url_for", side_effect=InterfaceError("connection closed")):
        response = client.get("/home/")
    _assert_friendly(response, 503)


@pytest.mark.django_db
def test_the_site_answers_normally_once_the_database_is_back(client, researcher):
    client.force_login(researcher)
    with DATABASE_DOWN:
        assert client.get("/home/").status_code == 503
    assert client.get("/home/").status_code in (200, 302)


def test_the_500_page_renders_without_touching_the_database():
    # No django_db mark: any query in here raises, as does reading the user.
    request = RequestFactory().get("/anything/")
    request.user = SimpleLazyObject(lambda: pytest.fail("the error page read the user"))
    with DATABASE_DOWN:
        response = views.error_500(request)
    html = _assert_friendly(response, 500)
    assert "Sorry, there is a problem with the service" in html
    assert "<title>Sorry, there is a problem – Casecast</title>" in html


def test_an_uncaught_error_shows_the_500_page_even_with_the_database_down(client):
    with DATABASE_DOWN, mock.patch.object(views, "render", side_effect=RuntimeError("bug")):
        response = client.get("/")
    _assert_friendly(response, 500)
