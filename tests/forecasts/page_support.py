"""Read a rendered page as a tree, to check where things are, not only that they are there.

Built on Django's own test HTML parser (`django.test.html.parse_html`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from django.test.html import Element, parse_html


def page_tree(content: bytes | str) -> Element:
    text = content.decode() if isinstance(content, bytes) else content
    return parse_html(text)


def walk(node: Element) -> Iterator[Element]:
    """The node and every element inside it, in document order."""
    yield node
    for child in node.children:
        if isinstance(child, Element):
            yield from walk(child)


def attr(node: Element, name: str) -> str:
    return dict(node.attributes).get(name) or ""


def classes(node: Element) -> set[str]:
    return set(attr(node, "class").split())


def text(node: Element | str) -> str:
    """The text a reader sees, with runs of white space made single."""
    if isinstance(node, str):
        return node
    joined = " ".join(text(child) for child in node.children)
    return re.sub(r"\s+", " ", joined).strip()


def find_all(node: Element, match: Callable[[Element], bool]) -> list[Element]:
    return [element for element in walk(node) if match(element)]


def find(node: Element, match: Callable[[Element], bool]) -> Element:
    found = find_all(node, match)
    assert len(found) == 1, f"expected one match, found {len(found)}"
    return found[0]


def by_id(node: Element, element_id: str) -> Element:
    return find(node, lambda e: attr(e, "id") == element_id)


def with_class(name: str) -> Callable[[Element], bool]:
    return lambda e: name in classes(e)


def tag(name: str) -> Callable[[Element], bool]:
    return lambda e: e.name == name
