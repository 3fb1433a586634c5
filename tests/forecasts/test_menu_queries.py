"""Journey pages build the service navigation without asking the database: the page has
loaded the participant and their arm, and the staff flag is kept in the session."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from .conftest import start_case

pytestmark = pytest.mark.django_db

# What the menu used to ask on every page: staff membership, participation, arm policies.
MENU_READS = ('FROM "studies_studymembership"', 'FROM "studies_participant"', 'FROM "studies_arm"')


def menu_of(html: str) -> str:
    return html[html.index('class="govuk-service-navigation"') : html.index("</nav>")]


@pytest.mark.parametrize("arm, sees_feedback", [("control", False), ("feedback", True)])
def test_a_case_page_shows_the_right_menu_without_menu_queries(
    journey_study, make_participant, client, arm, sees_feedback
):
    person = make_participant(study=journey_study, email=f"{arm}@example.org", arm=arm)
    assignment = start_case(person, journey_study)
    client.force_login(person.user)
    url = reverse("forecasts:stage", args=[assignment.pk, 1])
    client.get(url)  # the session's first page stores the roles
    with CaptureQueriesContext(connection) as captured:
        html = client.get(url).content.decode()
    menu = menu_of(html)
    assert "Your cases" in menu
    assert ("Your feedback" in menu) is sees_feedback
    assert "Your studies" not in menu
    sql = [query["sql"] for query in captured.captured_queries]
    menu_reads = [q for q in sql if any(read in q.split(" WHERE ")[0] for read in MENU_READS)]
    assert not menu_reads, menu_reads
