"""The OpenAPI schema at /api/v1/schema/ describes the API, and schemathesis, generating
requests from it (every operation, with and without the real study's slug, with random
filters, cursors and page sizes), finds no input that makes the API answer 5xx."""

from __future__ import annotations

import pytest
import schemathesis
import yaml
from casecast.vignettes.models import Question
from casecast.wsgi import application
from django.core import signals
from django.db import close_old_connections
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from tests.api.conftest import bearer

EXAMPLES_PER_OPERATION = 25


@pytest.mark.django_db
def test_the_schema_lists_every_endpoint_with_the_bearer_scheme(client):
    response = client.get(reverse("api:schema"))
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    paths = set(schema["paths"])
    expected = (
        {"/api/v1/studies/", "/api/v1/studies/{slug}/"}
        | {
            f"/api/v1/studies/{{slug}}/{name}/"
            for name in ("arms", "councils", "participants", "questions", "outcomes", "forecasts")
        }
        | {"/api/v1/studies/{slug}/scores/", "/api/v1/studies/{slug}/results/"}
    )
    assert paths == expected
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    scores = schema["paths"]["/api/v1/studies/{slug}/scores/"]["get"]
    names = {parameter["name"] for parameter in scores["parameters"]}
    assert {"cursor", "page_size", "phase", "question", "updated_since"} <= names
    assert set(scores["responses"]) >= {"200", "400", "401", "403", "404", "429"}


@pytest.mark.django_db
def test_the_docs_page_loads_its_scripts_from_this_site(client):
    page = client.get(reverse("api:docs"))
    assert page.status_code == 200
    assert b"<script>" not in page.content and b"<style>" not in page.content  # the CSP
    assert b"https://" not in page.content  # no CDN
    script = client.get(reverse("api:docs") + "?script=")
    assert script.status_code == 200 and b"SwaggerUIBundle" in script.content


@pytest.mark.django_db
def test_no_generated_request_makes_the_api_fail(demo, demo_admin, make_token, settings):
    settings.API_RATE_LIMIT = "100000/minute"
    headers = {"Authorization": bearer(make_token(demo_admin, demo))["HTTP_AUTHORIZATION"]}
    # Requests go straight to the WSGI application, whose end-of-request signal would close
    # the test's database connection; Django's test client switches that off, and so here.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        _no_server_error(demo, headers)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _no_server_error(demo, headers) -> None:
    schema = schemathesis.openapi.from_wsgi(reverse("api:schema"), application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 10

    # Generated integers are mostly far from any real phase or question; about half the
    # time the study's real ones are used instead, so the paths that read rows run too.
    real = {
        "phase": [None, *demo.phases.values_list("position", flat=True)],
        "question": [None, *Question.objects.filter(version__vignette__study=demo)
                     .order_by("pk").values_list("pk", flat=True)[:5]],
    }  # fmt: skip

    for operation in operations:

        @given(
            case=operation.as_strategy(),
            real_study=st.sampled_from([True, True, True, False]),
            phase=st.sampled_from(real["phase"]),
            question=st.sampled_from(real["question"]),
        )
        @hypothesis_settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def no_server_error(case, real_study, phase, question):
            if real_study and "slug" in (case.path_parameters or {}):
                case.path_parameters["slug"] = demo.slug
            for name, value in (("phase", phase), ("question", question)):
                if value is not None and name in (case.query or {}):
                    case.query[name] = value
            response = case.call(headers=headers)
            case.validate_response(response, checks=[not_a_server_error])

        no_server_error()
