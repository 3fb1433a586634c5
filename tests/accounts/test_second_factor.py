"""Staff second factor: required for site administrators and study admins, optional for others."""

import pytest
from casecast.studies.models import StudyMembership
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

PASSWORD = "correct horse battery staple"


def _sign_in(client, user):
    return client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD})


def _code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The app's code now (or in the next 30-second step: a code is accepted only once)."""
    code = totp(device.bin_key, step=device.step, t0=device.t0, drift=steps_ahead)
    return f"{code:0{device.digits}d}"


def _set_up(client) -> TOTPDevice:
    client.get(reverse("accounts:two_factor_setup"))
    device = TOTPDevice.objects.get(confirmed=False)
    response = client.post(reverse("accounts:two_factor_setup"), {"code": _code(device)})
    assert b"Your second factor is set up" in response.content
    return device


@pytest.mark.django_db
def test_a_study_admin_must_set_up_a_second_factor_before_any_staff_page(
    client, study, researcher, second_factor_on
):
    assert study.memberships.get(user=researcher).role == StudyMembership.Role.ADMIN
    _sign_in(client, researcher)
    response = client.get(reverse("studies:detail", args=[study.slug]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:two_factor_setup"))
    _set_up(client)
    assert client.get(reverse("studies:detail", args=[study.slug])).status_code == 200


@pytest.mark.django_db
def test_after_set_up_every_sign_in_asks_for_a_code(client, study, researcher, second_factor_on):
    _sign_in(client, researcher)
    device = _set_up(client)
    client.post(reverse("accounts:logout"))
    response = _sign_in(client, researcher)
    detail = client.get(reverse("studies:detail", args=[study.slug]))
    assert detail.url.startswith(reverse("accounts:two_factor"))
    wrong = client.post(reverse("accounts:two_factor"), {"code": "000000"})
    assert b"The security code is not right" in wrong.content
    assert client.get(reverse("studies:detail", args=[study.slug])).status_code == 302
    # The wrong code started django-otp's back-off on each device; wait it out.
    TOTPDevice.objects.update(throttling_failure_count=0)
    StaticDevice.objects.update(throttling_failure_count=0)
    response = client.post(reverse("accounts:two_factor"), {"code": _code(device, steps_ahead=1)})
    assert response.status_code == 302
    assert client.get(reverse("studies:detail", args=[study.slug])).status_code == 200


@pytest.mark.django_db
def test_a_backup_code_works_once(client, study, researcher, second_factor_on):
    _sign_in(client, researcher)
    client.get(reverse("accounts:two_factor_setup"))
    device = TOTPDevice.objects.get(confirmed=False)
    done = client.post(reverse("accounts:two_factor_setup"), {"code": _code(device)})
    backup = done.context["codes"][0]
    for expected in (302, 200):
        client.post(reverse("accounts:logout"))
        _sign_in(client, researcher)
        response = client.post(reverse("accounts:two_factor"), {"code": backup})
        assert response.status_code == expected


@pytest.mark.django_db
def test_the_django_admin_needs_the_second_factor_too(client, site_admin, second_factor_on):
    _sign_in(client, site_admin)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:two_factor_setup"))


@pytest.mark.django_db
def test_an_analyst_may_work_without_a_second_factor(
    client, study, study_analyst, second_factor_on
):
    _sign_in(client, study_analyst)
    assert client.get(reverse("studies:detail", args=[study.slug])).status_code == 200
    setup = client.get(reverse("accounts:two_factor_setup"))
    assert b"protects your account" in setup.content


@pytest.mark.django_db
def test_participants_never_meet_the_second_factor(client, participant, second_factor_on):
    from casecast.accounts.links import participant_link_path

    client.get(participant_link_path(user=participant.user))
    response = client.get(reverse("core:home"))
    assert response.status_code in (200, 302)
    assert reverse("accounts:two_factor") not in response.get("Location", "")
    assert client.get(reverse("accounts:two_factor_setup")).status_code == 302


def test_the_second_factor_is_required_by_default_in_a_deployment():
    import importlib

    import casecast.settings as settings_module

    fresh = importlib.reload(settings_module)
    assert fresh.STAFF_TWO_FACTOR_REQUIRED is True


@pytest.mark.django_db
def test_password_reset_emails_staff_and_never_participants(client, researcher, participant):
    from django.core import mail

    mail.outbox.clear()
    client.post(reverse("accounts:password_reset"), {"email": participant.user.email})
    assert mail.outbox == []  # no usable password, so no reset email
    response = client.post(reverse("accounts:password_reset"), {"email": researcher.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    confirm = body[body.index("/accounts/password-reset/") :].split()[0]
    page = client.get(confirm, follow=True)
    assert b"Choose a new password" in page.content
    new_password = "a brand new long passphrase"
    done = client.post(
        page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
        follow=True,
    )
    assert b"Your password has been changed" in done.content
    researcher.refresh_from_db()
    assert researcher.check_password(new_password)


def test_the_roles_that_need_a_second_factor_are_study_roles():
    # accounts cannot import studies, so the roles are named in settings; a typo there
    # would silently exempt study admins.
    from casecast.studies.models import StudyMembership
    from django.conf import settings

    assert settings.STAFF_TWO_FACTOR_ROLES == [StudyMembership.Role.ADMIN]
    assert set(settings.STAFF_TWO_FACTOR_ROLES) <= set(StudyMembership.Role.values)
