from typing import Any

from django.urls import NoReverseMatch, reverse


def home_url_for(user: Any) -> str | None:
    """Where a signed-in user's journey starts: their cases, their studies, or practice."""
    for predicate, url_name in (
        ("is_participant", "forecasts:tasks"),
        ("is_study_staff", "studies:list"),
        ("is_practice_only", "practice:home"),
    ):
        if getattr(user, predicate, False):
            try:
                return reverse(url_name)
            except NoReverseMatch:
                return None
    return None
