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
from time import time
from typing import Any

from django.urls import NoReverseMatch, reverse

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


def _has_feedback(user: Any) -> bool:
    """Only arms with a feedback policy see the link: the control arm must not learn of it.

    Asks only for the arm's policies (one query), not for the feedback itself.
    """
    participation = active_participations(user=user).first()
    return participation is not None and bool(policies_for(participant=participation))


def _stored_roles(user: Any, session: MutableMapping[str, Any] | None) -> Roles:
    """The user's roles from their session if checked recently, else from the database."""
    stored = session.get(SESSION_KEY) if session is not None else None
    if stored and stored.get("user") == user.pk and stored.get("until", 0) > time():
        return Roles(stored["staff"], stored["participant"], stored["feedback"])
    roles = Roles(
        study_staff=bool(user.is_study_staff),
        participant=bool(user.is_participant),
        feedback=_has_feedback(user),
    )
    if session is not None:
        session[SESSION_KEY] = {
            "user": user.pk,
            "until": time() + FLAGS_MAX_AGE,
            "staff": roles.study_staff,
            "participant": roles.participant,
            "feedback": roles.feedback,
        }
    return roles


def roles_for(
    user: Any, *, participant: Any = None, session: MutableMapping[str, Any] | None = None
) -> Roles:
    stored = _stored_roles(user, session)
    if participant is None:
        return stored
    # This page loaded the participation: participant and feedback are known exactly.
    return Roles(stored.study_staff, True, bool(policies_for(participant=participant)))


# The whole menu, declared in one place: (label, url name, who sees it).
_ENTRIES: list[tuple[str, str, Callable[[Roles], bool]]] = [
    ("Your studies", "studies:list", lambda roles: roles.study_staff),
    ("Your cases", "forecasts:tasks", lambda roles: roles.participant),
    ("Your feedback", "feedback:home", lambda roles: roles.feedback),
]


def navigation_for(
    user: Any, *, participant: Any = None, session: MutableMapping[str, Any] | None = None
) -> list[NavItem]:
    if not getattr(user, "is_authenticated", False):
        return []
    roles = roles_for(user, participant=participant, session=session)
    items = []
    for label, url_name, visible_to in _ENTRIES:
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        if visible_to(roles):
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
