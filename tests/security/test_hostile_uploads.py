"""Crafted uploads and values that the random walk (test_hostile_input.py) is unlikely to
draw: deep nesting, CSV edge cases, NUL bytes, overflowing dates. Each must be refused
with a message (or accepted whole), never a server error, and a refusal stores nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction

from tests.security.access_world import World
from tests.security.test_hostile_input import _row_counts, refused

ON_POSTGRESQL = connection.vendor == "postgresql"

DEEP_YAML = b"a: " + b"[" * 5_000 + b"]" * 5_000 + b"\n"
DEEP_JSON = b'{"vignettes": ' + b"[" * 5_000 + b"]" * 5_000 + b"}"
OUTCOME_HEADER = b"vignette,question,outcome,known_at,source\n"


def _file(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


# (case id, url name, role, form fields; files as bytes under a "name.ext|field" key)
CASES: list[Any] = [
    pytest.param(
        "vignettes:upload", {"bank_file": ("bank.yaml", DEEP_YAML)}, id="bank-deep-yaml",
    ),
    pytest.param(
        "vignettes:upload", {"bank_file": ("bank.json", DEEP_JSON)}, id="bank-deep-json",
    ),
    pytest.param(
        "vignettes:upload", {"bank_file": ("bank.yaml", b"\x00\xff\xfe not yaml")}, id="bank-bytes",
    ),
    pytest.param(
        "studies:design_import", {"file": ("design.yaml", DEEP_YAML)}, id="design-deep-yaml",
    ),
    pytest.param(
        "training:staff_edit", {"upload": ("module.yaml", DEEP_YAML), "source_yaml": ""},
        id="training-deep-yaml",
    ),
    pytest.param(
        "resolution:import",
        {"file": ("outcomes.csv", OUTCOME_HEADER + b"x" * 140_000 + b",b,c,d,e\n")},
        id="outcomes-csv-huge-field",
    ),
    pytest.param(
        "resolution:import",
        {"file": ("outcomes.csv", OUTCOME_HEADER + b"a,b\rc,d\n")}, id="outcomes-csv-bare-cr",
    ),
    pytest.param(
        "resolution:import", {"file": ("outcomes.csv", OUTCOME_HEADER + b"a\x00,b,c,d,e\n")},
        id="outcomes-csv-nul",
    ),
    pytest.param(
        "studies:invitations",
        {"csv-file": ("people.csv", b"email,council,extra\na@example.org,Northshire,x,y\n")},
        id="invitations-extra-column",
    ),
    pytest.param(
        "resolution:outcome",
        {"outcome": "yes", "known_at-day": "9" * 30, "known_at-month": "1",
         "known_at-year": "2024", "source": "x"}, id="outcome-30-digit-day",
    ),
]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize(("url_name", "fields"), CASES)
def test_crafted_input_is_refused_cleanly(world: World, url_name: str, fields: dict[str, Any]):
    from tests.security.access_world import all_routes, concrete_url

    route = next(route for route, name in all_routes() if name == url_name)
    url = concrete_url(world, route, url_name)
    body = {
        key: _file(*value) if isinstance(value, tuple) else value for key, value in fields.items()
    }
    with transaction.atomic():
        before = _row_counts()
        response = world.client("study_admin").post(url, body)
        after = _row_counts()
        transaction.set_rollback(True)
    assert response.status_code < 500
    if refused(response):
        assert before == after, "refused, yet something was stored"
