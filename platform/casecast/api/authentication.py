"""`Authorization: Bearer <token>`: the only way into the research API.

A token works while it is not revoked, not expired, and its owner is an active staff
account. Which study it may read is decided per request (`endpoints.StudyView`): the study
must be in its scope and its owner still on the study's team.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from casecast.api.models import ApiToken
from casecast.api.selectors import token_for_secret
from casecast.api.services import may_hold_tokens, token_used

KEYWORD = "Bearer"


class ApiTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() != KEYWORD.lower():
            return None  # no token: 401 "Authentication credentials were not provided."
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Give the token after 'Bearer' and a single space, with nothing after it."
            )
        token = token_for_secret(raw=header[1])
        if token is None:
            raise exceptions.AuthenticationFailed("This token is not valid.")
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed("This token has been revoked.")
        if token.expires_at <= timezone.now():
            raise exceptions.AuthenticationFailed(
                f"This token expired on {token.expires_at:%Y-%m-%d}. Create a new one."
            )
        if not may_hold_tokens(token.user):
            raise exceptions.AuthenticationFailed("This token's account cannot use the API.")
        token_used(token=token)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (with WWW-Authenticate), not 403, when no token is given.
        return f'{KEYWORD} realm="api"'
