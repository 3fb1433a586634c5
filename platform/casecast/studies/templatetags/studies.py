"""Template helpers for study pages: consent Markdown with GOV.UK classes."""

import re

import markdown
import nh3
from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_CLASSES = {
    "h2": "govuk-heading-m",
    "h3": "govuk-heading-s",
    "h4": "govuk-heading-s",
    "p": "govuk-body",
    "ul": "govuk-list govuk-list--bullet",
    "ol": "govuk-list govuk-list--number",
    "a": "govuk-link",
}
_TAGS = set(_CLASSES) | {"li", "strong", "em", "br"}


@register.filter
def consent_markdown(text: str) -> SafeString:
    """Render researcher-written Markdown safely, headings shifted down one level.

    The page has its own h1, so the text's '#' becomes an h2.
    """
    html = markdown.markdown(text or "", extensions=["sane_lists"], output_format="html")
    html = re.sub(r"<(/?)h([1-3])>", lambda m: f"<{m.group(1)}h{int(m.group(2)) + 1}>", html)
    html = nh3.clean(html, tags=_TAGS, attributes={"a": {"href"}})
    for tag, css in _CLASSES.items():
        html = re.sub(rf"<{tag}(?=[ >])", f'<{tag} class="{css}"', html)
    return mark_safe(html)


@register.filter
def arm_label(labels: dict[int, str] | None, arm_id: int | None) -> str:
    """The label of an arm from `blinding.arm_labels` (a dash when there is no arm)."""
    if arm_id is None or not labels:
        return "–"
    return labels.get(arm_id, "–")


@register.simple_tag
def status_tag_class(status: str) -> str:
    return {
        "draft": "govuk-tag--grey",
        "recruiting": "govuk-tag--green",
        "running": "govuk-tag--blue",
        "closed": "govuk-tag--orange",
        "archived": "govuk-tag--grey",
    }.get(status, "")
