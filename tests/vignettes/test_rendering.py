"""Case text is rendered safely, with GOV.UK classes, through a template filter."""

from __future__ import annotations

from casecast.vignettes.rendering import case_markdown_to_html
from django.template import Context, Template


def render(template: str, **context) -> str:
    return Template("{% load vignettes %}" + template).render(Context(context))


def test_script_tags_and_event_handlers_are_stripped():
    html = case_markdown_to_html(
        'Mum said <script>alert("x")</script>she fell.\n\n'
        '<img src=x onerror="alert(1)"> <a href="javascript:alert(1)" onclick="x()">link</a>'
    )

    assert "<script" not in html and 'alert("x")' not in html
    assert "onerror" not in html and "onclick" not in html and "javascript:" not in html
    assert "<img" not in html and "<a " not in html
    assert "Mum said she fell." in html


def test_govuk_classes_are_added_to_case_markdown():
    html = case_markdown_to_html(
        "# Referral\n\n## Home visit\n\nSome **bold** and *emphasis*.\n\n- one\n- two\n\n"
        "1. first\n\n> Quote from the school\n\n| Name | Age |\n|---|---|\n| Amy | 4 |\n"
    )

    assert '<h2 class="govuk-heading-m">Referral</h2>' in html  # h1 is demoted
    assert '<h2 class="govuk-heading-m">Home visit</h2>' in html
    assert '<p class="govuk-body">Some <strong>bold</strong> and <em>emphasis</em>.</p>' in html
    assert '<ul class="govuk-list govuk-list--bullet">' in html
    assert '<ol class="govuk-list govuk-list--number">' in html
    assert '<blockquote class="govuk-inset-text">' in html
    assert '<table class="govuk-table">' in html
    assert '<th class="govuk-table__header">Name</th>' in html
    assert '<td class="govuk-table__cell">Amy</td>' in html


def test_author_supplied_classes_and_styles_are_not_kept():
    html = case_markdown_to_html('<p class="evil" style="position:fixed">Hi</p>')

    assert "evil" not in html and "style" not in html


def test_template_filter_marks_sanitised_html_safe():
    html = render("{{ body|case_markdown }}", body="A *note* <script>x()</script>")

    assert html == '<p class="govuk-body">A <em>note</em> </p>'


def test_family_table_include_has_caption_and_rows():
    html = render(
        '{% include "vignettes/includes/family_table.html" with family=family %}',
        family=[
            {"name": "Mia", "relationship": "Child", "age": 7},
            {"name": "Jade <b>", "relationship": "Mother"},
        ],
    )

    assert '<caption class="govuk-table__caption govuk-table__caption--s">Family members' in html
    assert '<th scope="row" class="govuk-table__header">Mia</th>' in html
    assert "Jade &lt;b&gt;" in html


def test_family_table_include_renders_nothing_without_family():
    assert (
        render(
            '{% include "vignettes/includes/family_table.html" with family=family %}', family=[]
        ).strip()
        == ""
    )
