"""The two shapes nearly every staff page has, written once.

* A form page: show the form; on a valid POST save through a service; a
  `ValidationError` from the service goes back onto the form (at the field it
  names, else at the top); on success redirect with a notice.
  `form_saved()` is the POST half; the view renders the page when it returns None.
* A confirm-and-act button (remove, move up or down): run the service; a
  `ValidationError` (e.g. the design is frozen) is shown as an error notice,
  not raised; either way redirect. `action_done()`.

Services raise `django.core.exceptions.ValidationError` for a refusal a person
can fix; anything else is a bug and is left to raise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict

Saved = TypeVar("Saved")


def posted(request: HttpRequest) -> QueryDict | None:
    """The POST data for a form, bound even when empty (so missing answers are errors)."""
    return request.POST if request.method == "POST" else None


def errors_onto_form(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's refusal on the form: at the field it names, else at the top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def form_saved(
    request: HttpRequest,
    form: forms.BaseForm,
    *,
    save: Callable[[dict[str, Any]], Saved],
    notice: str | Callable[[Saved], str],
    to: str | Callable[[Saved], str],
) -> HttpResponse | None:
    """Save a valid POSTed form with `save(cleaned_data)` and redirect to `to` with a notice.

    Returns None when the page should be shown (a GET, an invalid form, or a
    refusal now on the form). `notice` and `to` may be worked out from what
    `save` returned (a new study's page, say).
    """
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        saved = save(form.cleaned_data)
    except ValidationError as error:
        errors_onto_form(form, error)
        return None
    messages.success(request, notice if isinstance(notice, str) else notice(saved))
    return HttpResponseRedirect(to if isinstance(to, str) else to(saved))


def action_done(
    request: HttpRequest, action: Callable[[], object], *, notice: str, to: str
) -> HttpResponse:
    """Run a removal or move and redirect to `to`; a refusal is shown, not raised.

    An action that returns False had nothing to do (moving the first item up),
    so no notice is shown for it.
    """
    try:
        done = action()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(to)
    if done is not False:
        messages.success(request, notice)
    return HttpResponseRedirect(to)
