"""Links in the service navigation, by what the signed-in user may do."""

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str


# (label, url name, predicate on the user). Apps add their entries here so the
# menu is declared in one place.
_ENTRIES: list[tuple[str, str, str]] = [
    ("Your studies", "studies:list", "is_study_staff"),
    ("Your cases", "forecasts:tasks", "is_participant"),
]


def navigation_for(user: Any) -> list[NavItem]:
    if not getattr(user, "is_authenticated", False):
        return []
    items = []
    for label, url_name, predicate in _ENTRIES:
        if not getattr(user, predicate, False):
            continue
        try:
            items.append(NavItem(label=label, url=reverse(url_name)))
        except NoReverseMatch:
            continue
    return items
