"""Signing staff in from tests the way a real sign-in leaves the session.

`force_login` skips the second-factor step. For an account with a confirmed
device (the demo staff have one, from seed_demo) the middleware would then send
every request to that step, so the session is marked verified as django-otp's
own sign-in does.
"""

from __future__ import annotations

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user


def sign_in(client: Client, user) -> None:
    client.force_login(user)
    device = next(devices_for_user(user, confirmed=True), None)
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
