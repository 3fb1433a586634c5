"""Sign-in pages: staff password and second factor, password reset, participant links."""

import base64
from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache

from casecast.accounts import links, services, two_factor
from casecast.accounts.forms import RequestLinkForm, SecondFactorForm, SignInForm
from casecast.accounts.models import User
from casecast.accounts.throttle import client_address, throttle_exceeded, throttle_hit

HOUR = 60 * 60


def too_many_attempts(request: HttpRequest) -> HttpResponse:
    """The page for a requester over a throttle's ceiling (429, nothing else done)."""
    return render(
        request,
        "accounts/too_many_attempts.html",
        {"page_title": "Too many attempts"},
        status=429,
    )


@method_decorator(login_not_required, name="dispatch")
class SignInView(auth_views.LoginView):
    """Password step. The second factor, where needed, follows (see `accounts.two_factor`)."""

    form_class = SignInForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True
    extra_context = {"page_title": "Sign in"}

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        limit = settings.SIGN_IN_FAILURES_PER_ADDRESS
        if throttle_exceeded(scope="sign-in-failures", key=client_address(request), limit=limit):
            return too_many_attempts(request)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: SignInForm) -> HttpResponse:  # type: ignore[override]
        throttle_hit(
            scope="sign-in-failures", key=client_address(self.request), window_seconds=HOUR
        )
        return super().form_invalid(form)


@login_not_required
@never_cache
def participant_link(request: HttpRequest) -> HttpResponse:
    """Sign a participant in from the personal link in their email.

    Failures are counted per address with a ceiling (`LINK_FAILURES_PER_ADDRESS`
    an hour) far above what a council office sharing one address produces by
    clicking old links; there is no per-user lockout to trip, since a token
    names its user only when it verifies.
    """
    address = client_address(request)
    limit = settings.LINK_FAILURES_PER_ADDRESS
    if throttle_exceeded(scope="link-failures", key=address, limit=limit):
        return too_many_attempts(request)
    check = links.link_user(token=request.GET.get(links.TOKEN_PARAMETER))
    if check.user is None:
        throttle_hit(scope="link-failures", key=address, window_seconds=HOUR)
        return render(
            request,
            "accounts/link_invalid.html",
            {"page_title": "Your link has expired", "reason": check.reason},
            status=403,
        )
    links.participant_session_start(request, check.user)
    return redirect("core:home")


@login_not_required
def request_link(request: HttpRequest) -> HttpResponse:
    # Bound on every POST, even an empty one, so a missing address is an error.
    form = RequestLinkForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        address = client_address(request)
        limit = settings.LINK_REQUESTS_PER_ADDRESS
        if throttle_hit(scope="link-request-address", key=address, window_seconds=HOUR) > limit:
            return too_many_attempts(request)
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


# Password reset: Django's views (they only email accounts with a usable
# password, so participants cannot use them), in GOV.UK-styled templates.
password_reset = auth_views.PasswordResetView.as_view(
    template_name="accounts/password_reset.html",
    email_template_name="accounts/email/password_reset.txt",
    subject_template_name="accounts/email/password_reset_subject.txt",
    success_url=reverse_lazy("accounts:password_reset_done"),
    extra_context={"page_title": "Reset your password"},
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="accounts/password_reset_done.html",
    extra_context={"page_title": "Check your email"},
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="accounts/password_reset_confirm.html",
    success_url=reverse_lazy("accounts:password_reset_complete"),
    extra_context={"page_title": "Choose a new password"},
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html",
    extra_context={"page_title": "Your password has been changed"},
)


# --- Second factor (staff) ------------------------------------------------------------


@never_cache
def second_factor(request: HttpRequest) -> HttpResponse:
    """Ask a signed-in staff member for their code (after the password step)."""
    user = request.user
    if not isinstance(user, User):
        return redirect("accounts:login")
    if not two_factor.has_second_factor(user):
        return redirect("accounts:two_factor_setup")
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if two_factor.second_factor_verify(request, token=form.cleaned_data["code"]):
            return redirect(two_factor.safe_next(request, reverse("core:home")))
        form.add_error("code", "The security code is not right. Enter the newest code")
    return render(
        request,
        "accounts/two_factor.html",
        {"form": form, "page_title": "Enter your security code", "next": request.GET.get("next")},
    )


@never_cache
def second_factor_setup(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: show the key, confirm with a code, show backup codes."""
    user = request.user
    if not isinstance(user, User) or not user.has_usable_password():
        return redirect("core:home")  # participants have no password to add a factor to
    if two_factor.has_second_factor(user) and not two_factor.session_verified(user):
        return redirect("accounts:two_factor")
    device = two_factor.totp_device_start(user=user)
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = two_factor.totp_device_confirm(
            user=user,
            device=device,
            token=form.cleaned_data["code"].strip(),
        )
        if codes is not None:
            two_factor.second_factor_verify_device(request, device=device)
            return render(
                request,
                "accounts/two_factor_done.html",
                {"codes": codes, "page_title": "Your second factor is set up"},
            )
        form.add_error("code", "The security code is not right. Enter the newest code")
    key = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "page_title": "Set up your second factor",
            "key_groups": [key[i : i + 4] for i in range(0, len(key), 4)],
            "config_url": device.config_url,
            "required": two_factor.second_factor_required(user),
            "already": two_factor.has_second_factor(user),
        },
    )
