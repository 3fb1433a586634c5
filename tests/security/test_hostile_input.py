"""Hostile input to every form and upload: no server error, and a refused submission
stores nothing.

Every page the access-control matrix declares as answering 200 is opened as a role
allowed to use it; each POST form on it is found in the HTML and submitted with
values drawn by hypothesis: very long strings, control characters (NUL included),
unicode from every plane, huge and negative numbers, several values for one field
(a list where one value is expected) and missing fields. Each submission runs in a
transaction that is rolled back, so examples cannot affect each other.

"Nothing half-stored": when the submission is refused (an error status, or the form
again with an error message), no row of any Casecast table, audit trail included, has
changed.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.security.access_world import World, all_routes, concrete_url
from tests.security.test_access_matrix import POST, declaration

EXAMPLES = 12


class _Forms(HTMLParser):
    """POST forms on a page: [(action, {field name: kind})]."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []
        self._open: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "form" and (found.get("method") or "").lower() == "post":
            self._open = {}
            self.forms.append((found.get("action") or "", self._open))
        elif self._open is not None and tag in ("input", "select", "textarea"):
            name = found.get("name")
            if name and name != "csrfmiddlewaretoken":
                self._open[name] = found.get("type") or tag

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = None


def _form_pages(role: str) -> list[tuple[str, str]]:
    """(url name, route) of every page the matrix says answers 200 to `role`."""
    pages = []
    for route, name in all_routes():
        declared = declaration(name)
        if declared is None or name.startswith("admin:") or declared[1] == POST:
            continue
        if declared[0][role] == 200:
            pages.append((name, route))
    return pages


# NUL included: Django's form fields refuse it; the journey's own parsing does not yet
# (forecasts/test_hostile_text.py).
CONTROL = st.characters(min_codepoint=0, max_codepoint=31)
HOSTILE_TEXT = st.one_of(
    st.text(max_size=20),
    st.text(alphabet=CONTROL, min_size=1, max_size=10),
    st.text(min_size=5_000, max_size=5_000, alphabet=st.sampled_from("aé漢😀\u202e")),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["", " ", "0", "-1", "1e308", "99999-12-31", "=cmd|' /C calc'!A0"]),
)
HOSTILE_VALUE = st.one_of(HOSTILE_TEXT, st.lists(HOSTILE_TEXT, min_size=2, max_size=3))
# Files for upload fields: junk bytes, text in the wrong encoding, an empty file.
HOSTILE_FILE = st.one_of(
    st.binary(max_size=3_000),
    st.text(max_size=500).map(lambda t: t.encode("utf-16")),
    st.just(b""),
).map(lambda content: SimpleUploadedFile("upload.yaml", content))


def refused(response: Any) -> bool:
    """A submission that was turned down: an error status, or the form again with a
    GOV.UK error message. (A redirect, a download or a page without errors is success.)"""
    if response.status_code >= 400:
        return True
    if getattr(response, "streaming", False) or response.status_code != 200:
        return False
    if not response["Content-Type"].startswith("text/html"):
        return False
    return b"govuk-error-message" in response.content or b"govuk-error-summary" in response.content


def _row_counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model.__module__.startswith("casecast.")
    }


def _forms_on(world: World, role: str, url: str) -> list[tuple[str, dict[str, str]]]:
    page = world.client(role).get(url)
    assert page.status_code == 200, url
    if not page["Content-Type"].startswith("text/html"):
        return []  # a download
    parser = _Forms()
    parser.feed(page.content.decode())
    return [(action or url, fields) for action, fields in parser.forms if fields]


def _fuzz(world: World, role: str, forms: list[tuple[str, dict[str, str]]]) -> None:
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,  # the same examples on every run: CI never flakes on a new draw
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.data())
    def submit(data: Any) -> None:
        action, fields = data.draw(st.sampled_from(forms))
        chosen = data.draw(st.lists(st.sampled_from(sorted(fields)), unique=True))
        body = {
            field: data.draw(HOSTILE_FILE if fields[field] == "file" else HOSTILE_VALUE)
            for field in chosen
        }
        with transaction.atomic():
            before = _row_counts()
            response = world.client(role).post(action, body)
            after = _row_counts()
            transaction.set_rollback(True)
        assert response.status_code < 500, (action, body)
        if refused(response):
            changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
            assert not changed, f"{action} refused {body!r} but stored {changed}"

    submit()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "at_least"),
    [("anonymous", 3), ("participant", 1), ("study_admin", 25), ("site_admin", 3)],
)
def test_hostile_values_in_every_form_never_fail_and_never_half_store(
    world: World, role: str, at_least: int
):
    failures, exercised = [], 0
    for name, route in _form_pages(role):
        url = concrete_url(world, route, name)
        forms = _forms_on(world, role, url)
        if not forms:
            continue
        exercised += 1
        try:
            _fuzz(world, role, forms)
        except Exception as error:  # report every page, not just the first
            failures.append(f"{name} ({url}): {type(error).__name__}: {error}"[:2000])
    assert exercised >= at_least, f"only {exercised} pages with forms for {role}"
    assert not failures, "\n\n".join(failures)
