"""Cursor pagination with signed cursors.

DRF's cursor holds the position of the last row of a page in clear. Signing it means a
client cannot make one up (a forged position is refused with 404 rather than reaching the
database), and each list orders by a field the rows already show (an id the export also
gives, or the participant's enrolment time), so a cursor never tells anyone a
participant's database id (which, with the pseudonym beside it, would undo it).
"""

from __future__ import annotations

from typing import Any

from django.core import signing
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination, _positive_int, replace_query_param
from rest_framework.request import Request

SALT = "casecast.api.cursor"
PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


class SignedCursorPagination(CursorPagination):
    page_size = PAGE_SIZE
    max_page_size = MAX_PAGE_SIZE
    page_size_query_param = "page_size"
    ordering: Any = "pk"

    def __init__(self, ordering: tuple[str, ...] = ("pk",)) -> None:
        self.ordering = ordering

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise ValidationError(
                {"page_size": [f"Give a whole number from 1 to {self.max_page_size}."]}
            )
        return size

    def encode_cursor(self, cursor: Cursor) -> str:
        tokens = {"o": cursor.offset, "r": int(cursor.reverse), "p": cursor.position}
        encoded = signing.dumps(tokens, salt=SALT, compress=True)
        return str(replace_query_param(self.base_url, self.cursor_query_param, encoded))

    def decode_cursor(self, request: Request) -> Cursor | None:
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        try:
            tokens = signing.loads(encoded, salt=SALT)
            offset = _positive_int(str(tokens["o"]), cutoff=self.offset_cutoff)
            position = tokens["p"]
            if position is not None and not isinstance(position, str):
                raise ValueError
            return Cursor(offset=offset, reverse=bool(tokens["r"]), position=position)
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            raise NotFound(
                "This cursor is not valid: use the next or previous link as given."
            ) from None
