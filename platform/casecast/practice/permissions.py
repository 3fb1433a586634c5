"""Who may practise: a signed-in participant taking part in a study now.

Staff accounts never practise here (404, as on other participant pages); a
participant who has left every study sees "You have left this study".
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from casecast.accounts.links import is_staff_account
from casecast.practice.selectors import may_practise
from casecast.studies.permissions import View, withdrawn_notice
from casecast.studies.selectors import latest_participation


def practice_required(view: View) -> View:
    @login_not_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect("accounts:request_link")
        if is_staff_account(request.user):
            raise Http404("Practice is for people taking part in a study.")
        if not may_practise(user=request.user):
            participant = latest_participation(user=request.user)
            if participant is not None and participant.withdrawn_at is not None:
                return withdrawn_notice(request, participant)
            if participant is not None and participant.consented_at is None:
                return redirect("studies:consent", slug=participant.study.slug)
            raise Http404("Practice is for people taking part in a study.")
        return view(request, *args, **kwargs)

    return wrapped
