"""`{% route %}` and the menu's cached links give exactly what `{% url %}` gives, under
any script prefix, and refuse what `{% url %}` refuses."""

from __future__ import annotations

import pytest
from casecast.core.navigation import route_url
from django.template import Context, Template, TemplateSyntaxError
from django.urls import NoReverseMatch, clear_script_prefix, set_script_prefix


def _draw(source: str) -> str:
    return Template("{% load routes %}" + source).render(Context())


@pytest.fixture
def under_a_sub_path():
    set_script_prefix("/casecast/")
    yield
    clear_script_prefix()


def test_a_route_is_the_url_the_url_tag_gives():
    assert _draw("{% route 'core:contact' %}") == "/contact/"
    assert _draw("{% route 'core:contact' %}") == _draw("{% url 'core:contact' %}")


def test_a_route_follows_the_script_prefix(under_a_sub_path):
    assert _draw("{% route 'core:privacy' %}") == "/casecast/privacy/"
    assert route_url("studies:withdraw", slug="family-study") == (
        "/casecast/s/family-study/withdraw/"
    )


def test_links_with_arguments_are_kept_apart():
    assert route_url("studies:withdraw", slug="a") != route_url("studies:withdraw", slug="b")


def test_an_unknown_name_fails_as_the_url_tag_does():
    with pytest.raises(NoReverseMatch):
        _draw("{% route 'core:no-such-page' %}")


def test_the_name_must_be_one_quoted_literal():
    with pytest.raises(TemplateSyntaxError, match="one quoted URL name"):
        _draw("{% route core:contact %}")
