"""`manage.py check --deploy` warns when the network pseudonym key is not set explicitly.

Without it the key is derived from SECRET_KEY, so rotating SECRET_KEY would silently
give every linked forecaster a new network id and break pooled datasets over time.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Warning, register


@register(deploy=True)
def network_key_check(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    if getattr(settings, "NETWORK_PSEUDONYM_KEY", ""):
        return []
    return [
        Warning(
            "NETWORK_PSEUDONYM_KEY is not set: network ids are derived from SECRET_KEY and "
            "change if it is rotated.",
            hint="Set NETWORK_PSEUDONYM_KEY to a long random value and never change it.",
            id="casecast.network.W001",
        )
    ]
