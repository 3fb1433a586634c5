"""Read a page with form errors: its title, ids, error-summary links and field messages.

`assert_error_page(html)` checks what GOV.UK asks of a page with errors: the
<title> starts with "Error: " and ends with "– Casecast", every error-summary
link goes to an element on the page, each message is also at its field, and no
id is used twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

TITLE_END = " – Casecast"


@dataclass
class ErrorPage:
    title: str = ""
    ids: set[str] = field(default_factory=set)
    duplicate_ids: set[str] = field(default_factory=set)
    summary_links: list[tuple[str, str]] = field(default_factory=list)
    field_errors: dict[str, str] = field(default_factory=dict)  # error-message id -> text


class _Reader(HTMLParser):
    """Collects the title, every id, the error summary's links and the field messages."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = ErrorPage()
        self._in_title = False
        self._summary_depth = 0  # >0 while inside .govuk-error-summary
        self._link: list[str] | None = None
        self._href = ""
        self._message: list[str] | None = None
        self._message_id = ""
        self._hidden_depth = 0  # inside the visually hidden "Error:" of a field message

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        classes = attributes.get("class", "").split()
        if "id" in attributes:
            if attributes["id"] in self.page.ids:
                self.page.duplicate_ids.add(attributes["id"])
            self.page.ids.add(attributes["id"])
        if tag == "title":
            self._in_title = True
        if tag == "div" and (self._summary_depth or "govuk-error-summary" in classes):
            self._summary_depth += 1
        if tag == "a" and self._summary_depth:
            self._link, self._href = [], attributes.get("href", "")
        if tag == "p" and "govuk-error-message" in classes:
            self._message, self._message_id = [], attributes.get("id", "")
        if tag == "span" and self._message is not None and "govuk-visually-hidden" in classes:
            self._hidden_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag == "div" and self._summary_depth:
            self._summary_depth -= 1
        if tag == "a" and self._link is not None:
            self.page.summary_links.append((self._href, " ".join("".join(self._link).split())))
            self._link = None
        if tag == "span" and self._hidden_depth:
            self._hidden_depth -= 1
        if tag == "p" and self._message is not None:
            text = " ".join("".join(self._message).split())
            self.page.field_errors[self._message_id] = text
            self._message = None

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.page.title += data
        if self._link is not None:
            self._link.append(data)
        if self._message is not None and not self._hidden_depth:
            self._message.append(data)


def read(html: str) -> ErrorPage:
    reader = _Reader()
    reader.feed(html)
    return reader.page


def assert_error_page(
    html: str, *, at_least: int = 1, form_wide: tuple[str, ...] = ()
) -> ErrorPage:
    """`form_wide`: summary lines that belong to no one field (shown in the summary only)."""
    page = read(html)
    assert page.title.startswith("Error: "), page.title
    assert page.title.endswith(TITLE_END), page.title
    assert len(page.summary_links) >= at_least, page.summary_links
    assert not page.duplicate_ids, f"ids used twice: {page.duplicate_ids}"
    shown_at_fields = set(page.field_errors.values())
    for href, text in page.summary_links:
        assert href.startswith("#"), href
        assert href[1:] in page.ids, f"error summary link {href} ({text}) goes nowhere"
        assert "This field is required" not in text
        at_field = any(text in shown for shown in shown_at_fields)
        assert at_field or text in form_wide, f"{text!r} is not at its field"
    return page
