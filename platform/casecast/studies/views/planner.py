"""The "Plan a trial" page: simulation-based power for a planned trial, outside any study.

For study staff of any study and site administrators (`permissions.may_plan_trials`). The
form is sent with GET: planning changes nothing, and the address of a plan can be shared.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from casecast.studies import planner
from casecast.studies.forms import TrialPlanForm
from casecast.studies.permissions import may_plan_trials

INITIAL = {
    "arms": 4,
    "per_arm": 150,
    "councils_per_arm": 0,
    "questions": 24,
    "icc": 0,
    "effect_pct": 10,
    "sims": 1000,
    "seed": 1,
}


def plan_trial(request: HttpRequest) -> HttpResponse:
    if not may_plan_trials(request):
        raise PermissionDenied
    submitted = "arms" in request.GET
    form = TrialPlanForm(request.GET if submitted else None, initial=INITIAL)
    found = None
    if submitted and form.is_valid():
        try:
            found = planner.trial_plan(**planner.as_inputs(form.cleaned_data))
        except ValueError as error:
            field, message = planner.field_of(error)
            form.add_error(field, message)
    return render(
        request,
        "studies/staff/planner.html",
        {
            "page_title": "Plan a trial",
            "form": form,
            "plan": found,
            "back_url": reverse("studies:list"),
        },
    )
