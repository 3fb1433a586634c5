"""The case text on a part's page (family table, earlier parts folded away, this part) is
drawn once per version and part and reused: every participant, and the submitted view,
see exactly what the template draws afresh, escaped."""

from __future__ import annotations

import pytest
from casecast.vignettes.models import Stage
from django.core.cache import caches
from django.template.loader import render_to_string
from django.test.html import parse_html
from django.urls import reverse

from .conftest import stages_of, start_case, submit
from .page_support import by_id, find, find_all, page_tree, tag, text, with_class

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_structure_cache():
    caches["structure"].clear()
    yield
    caches["structure"].clear()


def _fresh_case_text(assignment, part: int) -> str:
    """What the include draws with nothing cached: the reference the page must match."""
    stages = stages_of(assignment)
    return render_to_string(
        "forecasts/includes/case_text.html",
        {
            "version": assignment.vignette_version,
            "earlier_stages": stages[: part - 1],
            "part": part,
            "stage": stages[part - 1],
        },
    )


def _case_text_of(html: str) -> str:
    """The page's case text: after the case's title, up to the answer form (or, once the
    part is submitted, the "Your answers" heading)."""
    start = html.index("</h1>") + len("</h1>")
    ends = ('<form method="post" novalidate', '<h2 class="govuk-heading-m">Your answers</h2>')
    return html[start : min(html.index(e, start) for e in ends if e in html[start:])]


def test_part_three_shows_the_family_the_earlier_parts_and_this_part(
    participant_client, case_assignment
):
    stages = stages_of(case_assignment)
    submit(case_assignment, stages[0])
    submit(case_assignment, stages[1])
    url = reverse("forecasts:stage", args=[case_assignment.pk, 3])
    page = page_tree(participant_client.get(url).content)
    family = find(page, tag("table"))
    assert [text(th) for th in find_all(family, tag("th")) if text(th) in ("Mia", "Jade")] == [
        "Mia",
        "Jade",
    ]
    folded = [text(s) for s in find_all(page, with_class("govuk-details__summary-text"))]
    assert folded == ["Part 1: Referral", "Part 2: After the home visit"]
    first_body = find_all(page, with_class("govuk-details__text"))[0]
    assert find(first_body, tag("strong")).children == ["Mia"]  # Markdown drawn
    headings = [text(h) for h in find_all(page, tag("h2"))]
    assert "Part 3: After the strategy discussion" in headings


@pytest.mark.parametrize("part", [1, 2, 3])
def test_every_participant_gets_what_the_template_draws_afresh(
    participant_client, case_assignment, journey_study, make_participant, client, part
):
    stages = stages_of(case_assignment)
    for stage in stages[: part - 1]:
        submit(case_assignment, stage)
    url = reverse("forecasts:stage", args=[case_assignment.pk, part])
    first = participant_client.get(url).content.decode()
    expected = parse_html(_fresh_case_text(case_assignment, part))
    assert parse_html(_case_text_of(first)) == expected

    other = make_participant(study=journey_study, email="second@example.org", arm="control")
    other_case = start_case(other, journey_study)
    for stage in stages_of(other_case)[: part - 1]:
        submit(other_case, stage)
    client.force_login(other.user)
    second = client.get(reverse("forecasts:stage", args=[other_case.pk, part])).content.decode()
    assert parse_html(_case_text_of(second)) == expected


def test_the_submitted_view_of_a_part_shows_the_same_case_text(participant_client, case_assignment):
    stages = stages_of(case_assignment)
    submit(case_assignment, stages[0])
    participant_client.get(reverse("forecasts:stage", args=[case_assignment.pk, 2]))
    html = participant_client.get(
        reverse("forecasts:stage", args=[case_assignment.pk, 1])
    ).content.decode()
    assert "You submitted this part" in html
    assert parse_html(_case_text_of(html)) == parse_html(_fresh_case_text(case_assignment, 1))


def test_markup_in_a_part_title_is_shown_as_text_not_run(participant_client, case_assignment):
    Stage.objects.filter(pk=stages_of(case_assignment)[0].pk).update(
        title='<script>alert("x")</script>Referral'
    )
    html = participant_client.get(
        reverse("forecasts:stage", args=[case_assignment.pk, 1])
    ).content.decode()
    assert "<script>alert" not in html
    heading = by_id(page_tree(html), "main-content")
    assert 'Part 1: <script>alert("x")</script>Referral' in text(heading)
