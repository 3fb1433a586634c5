from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from sesame.utils import get_user

from casecast.accounts import services
from casecast.accounts.forms import RequestLinkForm, SignInForm


@method_decorator(login_not_required, name="dispatch")
class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True
    extra_context = {"page_title": "Sign in"}


@login_not_required
@never_cache
def participant_link(request: HttpRequest) -> HttpResponse:
    """Sign a participant in from the personal link in their email."""
    user = get_user(request)
    if user is None:
        return render(
            request,
            "accounts/link_invalid.html",
            {"page_title": "Your link has expired"},
            status=403,
        )
    login(request, user, backend="sesame.backends.ModelBackend")
    return redirect("core:home")


@login_not_required
def request_link(request: HttpRequest) -> HttpResponse:
    # Bound on every POST, even an empty one, so a missing address is an error.
    form = RequestLinkForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.participant_link_request(email=form.cleaned_data["email"])
        return render(
            request,
            "accounts/link_sent.html",
            {"page_title": "Check your email", "email": form.cleaned_data["email"]},
        )
    return render(
        request, "accounts/request_link.html", {"form": form, "page_title": "Get a new link"}
    )
