"""Links in the service navigation, by what the signed-in user may do.

The menu is on every page, so it must not cost queries on every page. Who the
user is (study staff, participant, in an arm with feedback) is worked out
from what the request already loaded where it can: a participant page has
loaded the participant and their arm (`request.participant`). What is left —
whether the user is study staff, and on other pages whether they take part
in a study — is asked once and kept in their session for `FLAGS_MAX_AGE`
seconds, so a new role shows in the menu within minutes (the pages
themselves always check permission afresh; the menu only offers links).
"""

from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from functools import lru_cache
from time import time
from typing import Any

from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

from casecast.feedback.selectors import policies_for
from casecast.studies.selectors import active_participations

FLAGS_MAX_AGE = 300
SESSION_KEY = "casecast_navigation"


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str


@dataclass(frozen=True)
class Roles:
    study_staff: bool
    participant: bool
    feedback: bool
    # The study a participant takes part in now: the footer's "Leave the study" goes there.
    study_slug: str | None = None


def _participation_roles(user: Any) -> tuple[bool, str | None]:
    """Whether the arm has feedback, and the study's slug (one query each).

    Only arms with a feedback policy see the feedback link: the control arm must not
    learn of it. Asks only for the arm's policies, not for the feedback itself.
    """
    participation = active_participations(user=user).select_related("study").first()
    if participation is None:
        return False, None
    return bool(policies_for(participant=participation)), participation.study.slug


def _stored_roles(user: Any, session: MutableMapping[str, Any] | None) -> Roles:
    """The user's roles from their session if checked recently, else from the database."""
    stored = session.get(SESSION_KEY) if session is not None else None
    if stored and stored.get("user") == user.pk and stored.get("until", 0) > time():
        return Roles(stored["staff"], stored["participant"], stored["feedback"], stored["slug"])
    feedback, slug = _participation_roles(user)
    roles = Roles(
        study_staff=bool(user.is_study_staff),
        participant=bool(user.is_participant),
        feedback=feedback,
        study_slug=slug,
    )
    if session is not None:
        session[SESSION_KEY] = {
            "user": user.pk,
            "until": time() + FLAGS_MAX_AGE,
            "staff": roles.study_staff,
            "participant": roles.participant,
            "feedback": roles.feedback,
            "slug": roles.study_slug,
        }
    return roles


def roles_for(
    user: Any, *, participant: Any = None, session: MutableMapping[str, Any] | None = None
) -> Roles | None:
    """None for anyone not signed in."""
    if not getattr(user, "is_authenticated", False):
        return None
    stored = _stored_roles(user, session)
    if participant is None:
        return stored
    # This page loaded the participation: participant, feedback and study are known exactly.
    return Roles(
        stored.study_staff,
        True,
        bool(policies_for(participant=participant)),
        None if participant.withdrawn_at else participant.study.slug,
    )


# The whole menu, declared in one place: (label, url name, who sees it).
_ENTRIES: list[tuple[str, str, Callable[[Roles], bool]]] = [
    ("Your studies", "studies:list", lambda roles: roles.study_staff),
    ("Your cases", "forecasts:tasks", lambda roles: roles.participant),
    ("Your feedback", "feedback:home", lambda roles: roles.feedback),
    ("Practice", "practice:home", lambda roles: roles.participant),
    ("API tokens", "api:tokens", lambda roles: roles.study_staff),
]


@lru_cache(maxsize=1024)  # a few fixed pages and one withdraw link per study
def _reversed(
    name: str, prefix: str, urlconf: str | None, kwargs: tuple[tuple[str, str], ...]
) -> str:
    return reverse(name, urlconf=urlconf, kwargs=dict(kwargs))


def route_url(name: str, **kwargs: str) -> str:
    """`reverse(name, kwargs=kwargs)` from a per-process cache, for the links every page
    carries. A URL depends only on its name and arguments, the script prefix (a
    deployment under a sub-path) and the URLconf in use, so those are the key."""
    return _reversed(name, get_script_prefix(), get_urlconf(), tuple(sorted(kwargs.items())))


def navigation_for(roles: Roles | None) -> list[NavItem]:
    if roles is None:
        return []
    items = []
    for label, url_name, visible_to in _ENTRIES:
        try:
            url = route_url(url_name)
        except NoReverseMatch:
            continue
        if visible_to(roles):
            items.append(NavItem(label=label, url=url))
    return items


def withdraw_url_for(roles: Roles | None) -> str | None:
    """Where a participant leaves their current study: linked from every page's footer,
    as the privacy notice promises. None for anyone else."""
    if roles is None or roles.study_slug is None:
        return None
    return route_url("studies:withdraw", slug=roles.study_slug)
