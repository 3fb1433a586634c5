"""Links in the service navigation, by what the signed-in user may do."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str


def _is_study_staff(user: Any) -> bool:
    return bool(user.is_study_staff)


def _is_participant(user: Any) -> bool:
    return bool(user.is_participant)


def _has_feedback(user: Any) -> bool:
    """Only arms with a feedback policy see the link: the control arm must not learn of it.

    Runs on every page, so it asks only for the arm's policies (one query), not for
    the feedback itself.
    """
    from casecast.feedback.selectors import policies_for
    from casecast.studies.selectors import active_participations

    participation = active_participations(user=user).first()
    return participation is not None and bool(policies_for(participant=participation))


# The whole menu, declared in one place: (label, url name, who sees it).
_ENTRIES: list[tuple[str, str, Callable[[Any], bool]]] = [
    ("Your studies", "studies:list", _is_study_staff),
    ("Your cases", "forecasts:tasks", _is_participant),
    ("Your feedback", "feedback:home", _has_feedback),
]


def navigation_for(user: Any) -> list[NavItem]:
    if not getattr(user, "is_authenticated", False):
        return []
    items = []
    for label, url_name, visible_to in _ENTRIES:
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        if visible_to(user):
            items.append(NavItem(label=label, url=url))
    return items


def withdraw_url_for(user: Any) -> str | None:
    """Where a participant leaves their current study: linked from every page's footer,
    as the privacy notice promises. None for anyone else."""
    from casecast.studies.selectors import active_participations

    if not getattr(user, "is_authenticated", False):
        return None
    participation = active_participations(user=user).first()
    if participation is None:
        return None
    return reverse("studies:withdraw", kwargs={"slug": participation.study.slug})
