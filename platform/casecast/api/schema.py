"""How the OpenAPI schema describes the bearer token (drf-spectacular reads this class
once `ApiConfig.ready` has imported it)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "casecast.api.authentication.ApiTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token from the 'API tokens' page: "
            "`Authorization: Bearer cc_…`.",
        }
