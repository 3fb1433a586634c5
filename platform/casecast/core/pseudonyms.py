"""Pseudonyms for exports: one function, so every export names a person the same way.

A keyed HMAC with the study's secret, never a plain hash of an id (a plain hash
of a small integer is reversed by trying them all). Researchers join the
allocation export to the score export on this value.
"""

import hashlib
import hmac


def pseudonym(*, key: str, kind: str, pk: int | None) -> str:
    """HMAC-SHA256(key, "<kind>:<pk>") in hex; empty for a missing id."""
    if pk is None:
        return ""
    return hmac.new(key.encode(), f"{kind}:{pk}".encode(), hashlib.sha256).hexdigest()
