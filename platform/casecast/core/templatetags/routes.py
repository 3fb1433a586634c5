"""`{% route 'core:contact' %}`: Django's `{% url %}` for a page with no arguments, reversed
once per process instead of on every render.

The base template and the menu link to the same handful of pages on every page, and
reversing them each time was a measurable share of a journey page's CPU
(docs/performance.md, "Third round"). A URL with no arguments depends only on the
script prefix (a deployment under a sub-path) and the URLconf in use, so the cache is
keyed by both (`casecast.core.navigation.route_url`). A name that does not reverse
raises `NoReverseMatch`, as `{% url %}` does.
"""

from __future__ import annotations

from django import template
from django.template.base import Parser, Token
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString

from casecast.core.navigation import route_url

register = template.Library()


class RouteNode(template.Node):
    def __init__(self, name: str) -> None:
        self.name = name

    def render(self, context: template.Context) -> SafeString | str:
        url = route_url(self.name)
        return conditional_escape(url) if context.autoescape else url


@register.tag
def route(parser: Parser, token: Token) -> RouteNode:
    """`{% route 'app:name' %}`, the name as a quoted literal (it is fixed when compiled)."""
    bits = token.split_contents()
    if len(bits) != 2 or bits[1][0] not in "'\"" or bits[1][0] != bits[1][-1]:
        raise template.TemplateSyntaxError(
            "{% route %} takes one quoted URL name, e.g. {% route 'core:contact' %}"
        )
    return RouteNode(bits[1][1:-1])
