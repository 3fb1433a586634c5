"""Case text: Markdown to safe HTML with GOV.UK classes.

Bank files are written by researchers, but the HTML still goes through nh3 so
that a pasted `<script>` or `onclick` never reaches a participant's browser.
"""

from __future__ import annotations

import re
from functools import lru_cache

import markdown
import nh3

# Headings start at h2: the page title (h1) and stage title belong to the page.
_GOVUK_CLASSES: dict[str, str] = {
    "h2": "govuk-heading-m",
    "h3": "govuk-heading-s",
    "h4": "govuk-heading-s",
    "p": "govuk-body",
    "ul": "govuk-list govuk-list--bullet",
    "ol": "govuk-list govuk-list--number",
    "blockquote": "govuk-inset-text",
    "table": "govuk-table",
    "thead": "govuk-table__head",
    "tbody": "govuk-table__body",
    "tr": "govuk-table__row",
    "th": "govuk-table__header",
    "td": "govuk-table__cell",
    "hr": "govuk-section-break govuk-section-break--m govuk-section-break--visible",
}
_ALLOWED_TAGS = set(_GOVUK_CLASSES) | {"li", "em", "strong", "br"}
_HEADING_SHIFT = {"h1": "h2", "h5": "h4", "h6": "h4"}
_HEADING_TAG = re.compile(r"<(/?)(h1|h5|h6)\b", re.IGNORECASE)


def _shift_headings(html: str) -> str:
    return _HEADING_TAG.sub(lambda m: f"<{m.group(1)}{_HEADING_SHIFT[m.group(2).lower()]}", html)


# Case text is rendered on every journey page (the part and the parts before it) and is
# the same for everyone given that version, so each process keeps the last few hundred
# results (a pure function of the text, so nothing can go stale). About 0.1 ms a text.
@lru_cache(maxsize=512)
def case_markdown_to_html(text: str) -> str:
    """Render case Markdown to sanitised HTML carrying GOV.UK classes."""
    html = markdown.markdown(text or "", extensions=["tables", "sane_lists"], output_format="html")
    return nh3.clean(
        _shift_headings(html),
        tags=_ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes={},
        set_tag_attribute_values={tag: {"class": css} for tag, css in _GOVUK_CLASSES.items()},
        url_schemes=set(),
    )
