"""Second factor for staff (django-otp): who needs one, setting one up, and checking a code.

Staff sign in with a password, then a six-digit code from an authenticator app
(TOTP) or one of their single-use backup codes. The second factor is required
for site administrators and study admins (`STAFF_TWO_FACTOR_REQUIRED`, on by
default) and optional for other staff, who may set one up from their account
page; once set up, it is asked for at every sign-in. Participants have no
password and never see any of this.

`SecondFactorMiddleware` enforces it: a password session that is not yet
verified reaches only the pages below (and sign-out) until the code is given.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

import django_otp
from django.conf import settings
from django.contrib.auth import logout
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from casecast.accounts.links import is_link_session
from casecast.accounts.models import User
from casecast.audit.services import audit_record

BACKUP_CODE_COUNT = 10
APP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"


def second_factor_required(user: User) -> bool:
    """Site administrators and study admins must use a second factor (unless switched off)."""
    if not settings.STAFF_TWO_FACTOR_REQUIRED:
        return False
    return bool(
        user.is_site_admin
        or user.is_superuser
        or user.memberships.filter(role__in=settings.STAFF_TWO_FACTOR_ROLES).exists()
    )


def session_verified(user: object) -> bool:
    """Whether this session gave a code (OTPMiddleware sets `otp_device` on the user)."""
    return getattr(user, "otp_device", None) is not None


def has_second_factor(user: User) -> bool:
    return bool(django_otp.user_has_device(user, confirmed=True))


@transaction.atomic
def totp_device_start(*, user: User) -> TOTPDevice:
    """The unconfirmed authenticator-app device being set up (made on first call)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def totp_device_confirm(*, user: User, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the device with a code it produced; return fresh backup codes, or None.

    Confirming replaces any earlier app and backup codes, so a lost phone is
    handled by setting up again (after signing in with a backup code).
    """
    if device.user_id != user.pk or not device.verify_token(token):
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = backup_codes_replace(user=user)
    audit_record(action="account.second_factor_set_up", actor=user, target=user)
    return codes


def backup_codes_replace(*, user: User) -> list[str]:
    """New single-use backup codes (the old ones stop working)."""
    StaticDevice.objects.filter(user=user).delete()
    backup = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=backup, token=code) for code in codes])
    return codes


def second_factor_verify(request: HttpRequest, *, token: str) -> bool:
    """Check a code against the user's confirmed devices and mark the session verified.

    django-otp throttles each device after repeated wrong codes.
    """
    device = django_otp.match_token(request.user, token.strip().replace(" ", ""))
    if device is None:
        return False
    django_otp.login(request, device)
    return True


def second_factor_verify_device(request: HttpRequest, *, device: TOTPDevice) -> None:
    """Mark the session verified by a device just confirmed with a good code."""
    django_otp.login(request, device)


def safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _administrator(user: User) -> bool:
    return bool(user.is_site_admin or user.is_superuser or user.is_staff)


class SecondFactorMiddleware:
    """Send an unverified password session to its second-factor step before any other page."""

    OPEN_URL_NAMES = (
        "accounts:two_factor",
        "accounts:two_factor_setup",
        "accounts:logout",
        "accounts:password_reset",
    )

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if isinstance(user, User) and is_link_session(request) and _administrator(user):
            # A link session whose account was made an administrator since: a link
            # never carries administrator rights, so it ends here.
            logout(request)
            return redirect("accounts:login")
        # Participants have no usable password, so their pages cost no query here.
        if (
            isinstance(user, User)
            and user.has_usable_password()
            and not session_verified(user)
            and not self._open(request)
        ):
            step = self._step(user)
            if step is not None:
                return redirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    def _open(self, request: HttpRequest) -> bool:
        if request.path.startswith(settings.STATIC_URL):
            return True
        return any(request.path.startswith(reverse(name)) for name in self.OPEN_URL_NAMES)

    @staticmethod
    def _step(user: User) -> str | None:
        if has_second_factor(user):
            return "accounts:two_factor"
        if second_factor_required(user):
            return "accounts:two_factor_setup"
        return None
