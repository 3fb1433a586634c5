"""Form fields shared by every app.

`TextUploadField` is the one way Casecast accepts an uploaded file: every
upload here is a text file (a vignette bank, a design, a training module, a
CSV of outcomes or invitations) that is read whole into memory, so each is
refused above a size limit before it is read. The limit is the field's own
(`max_bytes`) or the site-wide `UPLOAD_MAX_BYTES` setting, whichever is lower.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

KB = 1024
MB = 1024 * KB


@dataclass(frozen=True)
class UploadedText:
    """An uploaded file's name (as the browser sent it) and its text."""

    name: str
    text: str


def size_text(size: int) -> str:
    """A byte count as people write it: "512 KB", "2 MB", "1.5 MB"."""
    if size >= MB:
        return f"{size / MB:.1f}".removesuffix(".0") + " MB"
    return f"{max(size // KB, 1)} KB"


class TextUploadField(forms.FileField):
    """An uploaded UTF-8 text file, cleaned to `UploadedText` (a byte-order mark is dropped).

    Error messages, overridable per form like any Django field's:
    `too_large` (with `%(limit)s`) and `not_utf8`.
    """

    default_error_messages = {
        "too_large": "The file must be smaller than %(limit)s",
        "not_utf8": "The file must be saved as UTF-8",
    }

    def __init__(self, *, max_bytes: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_bytes = max_bytes

    @property
    def limit(self) -> int:
        """The size limit in bytes; read at use, so a changed setting applies at once."""
        ceiling: int = settings.UPLOAD_MAX_BYTES
        return min(self.max_bytes, ceiling) if self.max_bytes else ceiling

    def clean(self, data: Any, initial: Any = None) -> UploadedText | None:
        upload = super().clean(data, initial)
        if not upload:  # optional and left empty
            return None
        limit = self.limit
        if upload.size > limit:
            raise ValidationError(
                self.error_messages["too_large"],
                code="too_large",
                params={"limit": size_text(limit)},
            )
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError(self.error_messages["not_utf8"], code="not_utf8") from None
        return UploadedText(name=upload.name or "", text=text)
