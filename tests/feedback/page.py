"""Read a rendered page the way a participant sees it: text, summary lists, tables.

A small tree built with the standard library's HTMLParser, so tests can assert
what is on screen ("What happened: Low.") rather than fragments of markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
HIDDEN = {"script", "style", "template", "title", "head"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def text(self, *, visually_hidden: bool = True) -> str:
        """The text inside, whitespace collapsed (visually hidden text left out if asked)."""
        parts: list[str] = []
        for child in self.children:
            if isinstance(child, str):
                parts.append(child)
            elif not self._skipped(child, visually_hidden=visually_hidden):
                parts.append(" " + child.text(visually_hidden=visually_hidden) + " ")
        return " ".join("".join(parts).split())

    @staticmethod
    def _skipped(child: Node, *, visually_hidden: bool) -> bool:
        if child.tag in HIDDEN or child.tag == "svg":
            return True
        return not visually_hidden and "govuk-visually-hidden" in child.classes

    def seen(self) -> str:
        """Text a sighted reader sees."""
        return self.text(visually_hidden=False)

    def iter(self):
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    def find_all(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> list[Node]:
        return [
            node
            for node in self.iter()
            if (tag is None or node.tag == tag)
            and (cls is None or cls in node.classes)
            and all(node.attrs.get(name.replace("_", "-")) == v for name, v in attrs.items())
        ]

    def find(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> Node | None:
        found = self.find_all(tag, cls, **attrs)
        return found[0] if found else None

    def has_attr(self, name: str) -> list[Node]:
        return [node for node in self.iter() if name in node.attrs]


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {name: value or "" for name, value in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {name: value or "" for name, value in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, 0, -1):
            if self.stack[index].tag == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str | bytes) -> Node:
    builder = _Builder()
    builder.feed(html.decode() if isinstance(html, bytes) else html)
    builder.close()
    return builder.root


def main(html: str | bytes) -> Node:
    document = parse(html)
    found = document.find("main")
    assert found is not None, "the page has no <main>"
    return found


def summary_rows(node: Node) -> list[tuple[str, str]]:
    """(key, value) of each row of the summary lists inside `node`, as seen."""
    return [
        (
            row.find(cls="govuk-summary-list__key").seen(),  # type: ignore[union-attr]
            row.find(cls="govuk-summary-list__value").seen(),  # type: ignore[union-attr]
        )
        for row in node.find_all(cls="govuk-summary-list__row")
    ]


@dataclass(frozen=True)
class Card:
    part: str
    question: str
    rows: dict[str, str]


def feedback_cards(html: str | bytes) -> list[Card]:
    """The case feedback's summary cards: part label, question, and its rows."""
    cards = []
    for card in main(html).find_all(cls="govuk-summary-card"):
        title = card.find(cls="govuk-summary-card__title")
        assert title is not None
        caption = title.find(cls="govuk-caption-m")
        part = caption.seen() if caption is not None else ""
        question = title.seen()[len(part) :].strip()
        cards.append(Card(part, question, dict(summary_rows(card))))
    return cards


def table_rows(table: Node) -> list[list[str]]:
    """Each row of a table (header row included) as the text of its cells."""
    return [
        [cell.seen() for cell in row.find_all() if cell.tag in ("th", "td")]
        for row in table.find_all("tr")
    ]
