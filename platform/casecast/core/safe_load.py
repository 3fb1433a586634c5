"""Reading uploaded YAML and JSON without letting the file decide how much work the server does.

Every upload (vignette bank, study design, training module) goes through here
first. A document is refused, with the line where it went wrong, when it:

- is longer than `MAX_DOCUMENT_CHARS`;
- nests mappings/lists deeper than `MAX_DEPTH` (Casecast's formats need < 10);
- uses YAML anchors or aliases (`&name`, `*name`): no Casecast format needs
  them, and an alias is how a "billion laughs" file turns a few hundred bytes
  into gigabytes once anything walks the result;
- holds a control character (such as NUL, which YAML's "\0" and JSON's
  "\u0000" escapes can produce) in any text: PostgreSQL cannot store it.

The YAML check streams parser events (libyaml when available), which needs no
recursion and stops at the first problem, so a hostile file costs at most one
pass over its text. JSON's own parser is bounded by Python's recursion limit;
the depth of what it returns is then checked without recursion.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from casecast.core.control_characters import has_control_characters

MAX_DOCUMENT_CHARS = 5_000_000
CONTROL_REASON = (
    "the file contains a control character (such as a null character, \\0 or \\u0000) "
    "in its text: remove it"
)
MAX_DEPTH = 32

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class DocumentRefused(ValueError):
    """A document too large, too deep or using aliases. `line` is 1-based, or None."""

    def __init__(self, reason: str, *, line: int | None = None):
        super().__init__(f"line {line}: {reason}" if line else reason)
        self.reason = reason
        self.line = line


def _check_size(text: str) -> None:
    if len(text) > MAX_DOCUMENT_CHARS:
        raise DocumentRefused(
            f"the file is too large ({len(text):,} characters; the limit is {MAX_DOCUMENT_CHARS:,})"
        )


def yaml_check(text: str) -> None:
    """Refuse a YAML text that is too large, too deep or uses anchors/aliases.

    Syntax errors are left to the caller's own parse, which reports them.
    """
    _check_size(text)
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            line = event.start_mark.line + 1 if event.start_mark else None
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise DocumentRefused(
                    "anchors and aliases (&name, *name) are not allowed: write the value out",
                    line=line,
                )
            if isinstance(event, yaml.ScalarEvent) and has_control_characters(event.value):
                raise DocumentRefused(CONTROL_REASON, line=line)
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise DocumentRefused(
                        f"the file nests lists or mappings more than {MAX_DEPTH} levels deep",
                        line=line,
                    )
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return  # the caller's parse reports the syntax error, with its location


def yaml_load(text: str) -> Any:
    """`yaml.safe_load` after `yaml_check`. Raises DocumentRefused or yaml.YAMLError."""
    yaml_check(text)
    return yaml.load(text, Loader=_Loader)  # a safe loader (CSafeLoader or SafeLoader)


def json_load(text: str, **options: Any) -> Any:
    """`json.loads` with the size and depth limits. Raises DocumentRefused or JSONDecodeError."""
    _check_size(text)
    try:
        document = json.loads(text, **options)
    except RecursionError:
        raise DocumentRefused(
            f"the file nests lists or objects more than {MAX_DEPTH} levels deep"
        ) from None
    _json_walk(document)
    return document


def _json_walk(document: Any) -> None:
    """Depth and control characters, without recursion (the document may be deep)."""
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str) and has_control_characters(value):
            raise DocumentRefused(CONTROL_REASON)
        if isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                raise DocumentRefused(
                    f"the file nests lists or objects more than {MAX_DEPTH} levels deep"
                )
            children = [*value.keys(), *value.values()] if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)
