"""Number formats of the judgement-insight tables: a missing value is an en dash."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()

MISSING = "–"


@register.filter
def pct(value: Any, places: int = 0) -> str:
    """A probability (0–1) as a percentage: 0.125 -> "13%" (or "12.5%" with 1 place)."""
    if value is None:
        return MISSING
    return f"{100 * float(value):.{int(places)}f}%"


@register.filter
def dec(value: Any, places: int = 3) -> str:
    """A number with fixed decimals: 0.12345 -> "0.123"; a minus sign, not a hyphen."""
    if value is None:
        return MISSING
    return f"{float(value):.{int(places)}f}".replace("-", "\N{MINUS SIGN}")


@register.filter
def signed_pp(value: Any) -> str:
    """A difference of probabilities in percentage points: 0.052 -> "+5.2 pp"."""
    if value is None:
        return MISSING
    text = f"{100 * float(value):+.1f} pp"
    return text.replace("-", "\N{MINUS SIGN}")


@register.filter
def interval(values: Any, places: int = 2) -> str:
    """A [low, high] pair: "0.41 to 0.58"."""
    if not values or values[0] is None or values[1] is None:
        return MISSING
    return f"{dec(values[0], places)} to {dec(values[1], places)}"
