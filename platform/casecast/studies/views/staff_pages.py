"""What every study staff page shares: the layout context, the form page, the action button.

A new set-up page is usually three calls: load the object (404 if it is not in
this study), build the form, and return `form_view(...)` naming the service
that saves it. See "Where a new staff page goes" in docs/architecture.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from casecast.core.form_views import Saved, action_done, form_saved
from casecast.studies.permissions import DESIGNERS, MANAGERS, StaffRequest


def staff_page(request: HttpRequest, template: str, title: str, **context: Any) -> HttpResponse:
    """Render a study staff page with the study, the viewer's role and what that role may do."""
    study = getattr(request, "study", None)
    role = getattr(request, "study_role", None)
    return render(
        request,
        template,
        {
            "page_title": title,
            "study": study,
            "role": role,
            "can_design": role in DESIGNERS,
            "can_manage": role in MANAGERS,
            **context,
        },
    )


def study_url(request: StaffRequest, name: str) -> str:
    """The URL of one of this study's pages, by URL name (e.g. "studies:arms")."""
    return reverse(name, kwargs={"slug": request.study.slug})


def form_page(
    request: StaffRequest,
    form: forms.BaseForm,
    *,
    title: str,
    submit: str,
    back: str,
    intro: str = "",
    **context: Any,
) -> HttpResponse:
    """The standard one-form page; `back` is the URL name the Cancel link goes to."""
    return staff_page(
        request,
        "studies/staff/form_page.html",
        title,
        form=form,
        submit=submit,
        back_url=study_url(request, back),
        intro=intro,
        **context,
    )


def form_view(
    request: StaffRequest,
    form: forms.BaseForm,
    *,
    save: Callable[[dict[str, Any]], Saved],
    notice: str | Callable[[Saved], str],
    back: str,
    title: str,
    submit: str,
    intro: str = "",
    **context: Any,
) -> HttpResponse:
    """A set-up form page: saved, it returns to `back` with `notice`; else the form is shown."""
    saved = form_saved(request, form, save=save, notice=notice, to=study_url(request, back))
    if saved is not None:
        return saved
    return form_page(request, form, title=title, submit=submit, back=back, intro=intro, **context)


def action_view(
    request: StaffRequest, action: Callable[[], object], *, notice: str, back: str
) -> HttpResponse:
    """A remove or move button: do it, then back to the list page `back` (URL name)."""
    return action_done(request, action, notice=notice, to=study_url(request, back))
