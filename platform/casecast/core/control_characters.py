"""Control characters (NUL and friends) are refused in every submitted text value, in one place.

PostgreSQL cannot store a NUL in a text column (the request would fail with a
server error), and no person types the other C0 control characters: they
arrive by pasting from another program or from a hostile client. Tab, line
feed and carriage return are ordinary text and pass.

`ControlCharacterMiddleware` checks every query-string and form value (file
uploads are checked by their own readers) before any view runs, and answers
with a page — or, for the journey's autosave, a JSON reply — saying what to
fix. Nothing is saved. `refuse_control_characters` is the same rule as a Django
validator, for values that arrive another way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MESSAGE = (
    "Your answer contains a hidden control character (such as a null character), "
    "usually from copying and pasting from another program. Type the text again, "
    "or paste it as plain text, and try again. Nothing has been saved"
)


def has_control_characters(text: str) -> bool:
    return CONTROL_CHARACTERS.search(text) is not None


def refuse_control_characters(value: object) -> None:
    """Django validator form of the rule."""
    if isinstance(value, str) and has_control_characters(value):
        raise ValidationError(MESSAGE, code="control_character")


def _values(request: HttpRequest) -> Iterable[str]:
    for query in (request.GET, request.POST):
        for key, values in query.lists():
            yield key
            yield from values


class ControlCharacterMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if any(has_control_characters(value) for value in _values(request)):
            return self._refuse(request)
        return self.get_response(request)

    @staticmethod
    def _refuse(request: HttpRequest) -> HttpResponse:
        if "application/json" in request.headers.get("Accept", ""):
            return JsonResponse(
                {"saved": False, "reason": "control_character", "message": MESSAGE}, status=400
            )
        return render(
            request,
            "core/control_characters.html",
            {
                "page_title": "There is a problem with what you entered",
                "message": MESSAGE,
                "error_summary": [MESSAGE],  # so the <title> starts "Error: "
            },
            status=400,
        )
