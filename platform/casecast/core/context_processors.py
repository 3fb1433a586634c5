from typing import Any

from django.conf import settings
from django.http import HttpRequest

from casecast.core.navigation import navigation_for, roles_for, withdraw_url_for


def site(request: HttpRequest) -> dict[str, Any]:
    roles = (
        roles_for(
            request.user,
            participant=getattr(request, "participant", None),
            session=getattr(request, "session", None),
        )
        if hasattr(request, "user")
        else None
    )
    return {
        "site_name": settings.SITE_NAME,
        # base.html uses `service_name`: Django's auth views replace `site_name`
        # with the request's host name.
        "service_name": settings.SITE_NAME,
        "contact_email": settings.CONTACT_EMAIL,
        "link_max_age_days": settings.PARTICIPANT_LINK_MAX_AGE_DAYS,
        "nav_items": navigation_for(roles),
        "withdraw_url": withdraw_url_for(roles),
    }
