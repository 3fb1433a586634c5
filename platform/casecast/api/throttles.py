"""Rate limit per token: `API_RATE_LIMIT` requests (default 600 a minute; settings and
docs/api.md). Counted in the default cache, so production's shared cache (`CACHE_URL`)
makes the ceiling hold across processes. Over it, 429 with `Retry-After`."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from casecast.api.models import ApiToken


class TokenRateThrottle(SimpleRateThrottle):
    scope = "api_token"

    def get_rate(self) -> str:
        # Read at request time (not import time) so the setting can change under tests.
        return str(settings.API_RATE_LIMIT)

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        token = request.auth
        if not isinstance(token, ApiToken):
            return None  # unauthenticated requests are refused before they cost anything
        return self.cache_format % {"scope": self.scope, "ident": token.pk}
