"""A small cache-based throttle keyed on what is being tried (an email, a code, an address).

Counters live in the default cache for a fixed window. Keys are hashed so the
cache never holds an email address or IP in clear. With the local-memory
cache each worker process counts on its own; production uses a shared cache
(`CACHE_URL`, Redis) so the ceilings hold across processes.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.http import HttpRequest


def _cache_key(scope: str, key: str) -> str:
    digest = hashlib.sha256(f"{scope}\0{key}".encode()).hexdigest()[:32]
    return f"throttle:{scope}:{digest}"


def throttle_count(*, scope: str, key: str) -> int:
    return int(cache.get(_cache_key(scope, key), 0))


def throttle_exceeded(*, scope: str, key: str, limit: int) -> bool:
    """True once `limit` hits have been recorded in the current window."""
    return throttle_count(scope=scope, key=key) >= limit


def throttle_hit(*, scope: str, key: str, window_seconds: int) -> int:
    """Record one hit and return the count in the window (the window starts at the first hit)."""
    cache_key = _cache_key(scope, key)
    if cache.add(cache_key, 1, timeout=window_seconds):
        return 1
    try:
        return int(cache.incr(cache_key))
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=window_seconds)
        return 1


def client_address(request: HttpRequest) -> str:
    """The address the request came from (REMOTE_ADDR; a TLS proxy must set it correctly)."""
    return str(request.META.get("REMOTE_ADDR", ""))
