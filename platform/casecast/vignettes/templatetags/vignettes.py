"""`{% load vignettes %}{{ stage.body|case_markdown }}`: safe case text."""

from django import template
from django.utils.safestring import SafeString, mark_safe

from casecast.vignettes.rendering import case_markdown_to_html

register = template.Library()


@register.filter
def case_markdown(text: str) -> SafeString:
    # Safe to mark: case_markdown_to_html sanitises with an allow-list (nh3).
    return mark_safe(case_markdown_to_html(text))
