"""The session and user reads every signed-in page makes (accounts/sessions.py, backends.py).

Both replace a Django queryset with hand-written SQL for speed; these tests hold them to
Django's own behaviour: the same user, expiry, unknown keys, switched-off accounts and
sign-out on a password change.
"""

from datetime import timedelta
from importlib import import_module

import pytest
from casecast.accounts.backends import ACCOUNT_BACKEND, AccountBackend
from casecast.accounts.sessions import SessionStore
from django.apps import apps
from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY
from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

PASSWORD = "correct horse battery staple"
PROTECTED = "forecasts:tasks"  # any page that needs a signed-in user
MIGRATION = "casecast.accounts.migrations.0003_sessions_name_the_account_backend"


def _fields(user):
    return {field.attname: getattr(user, field.attname) for field in user._meta.concrete_fields}


def _password_sign_in(client, user):
    response = client.post(
        reverse("accounts:login"), {"username": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302


def _is_signed_out(response) -> bool:
    return not response.wsgi_request.user.is_authenticated


@pytest.mark.django_db
def test_a_password_sign_in_records_our_backend_and_pages_see_the_same_user(client, researcher):
    _password_sign_in(client, researcher)
    assert client.session[BACKEND_SESSION_KEY] == ACCOUNT_BACKEND
    response = client.get(reverse(PROTECTED))
    seen = response.wsgi_request.user
    assert seen.is_authenticated and seen.pk == researcher.pk
    # Every field as Django's own read gives it (dates, booleans, the password hash).
    assert _fields(seen) == _fields(ModelBackend().get_user(researcher.pk))


@pytest.mark.django_db
def test_the_backend_reads_one_row_and_refuses_switched_off_or_missing_accounts(
    researcher, django_assert_num_queries
):
    with django_assert_num_queries(1):
        user = AccountBackend().get_user(str(researcher.pk))  # sessions hold the id as text
    assert _fields(user) == _fields(ModelBackend().get_user(researcher.pk))
    assert AccountBackend().get_user(researcher.pk + 1000) is None
    researcher.is_active = False
    researcher.save(update_fields=["is_active"])
    assert AccountBackend().get_user(researcher.pk) is None


@pytest.mark.django_db
def test_a_switched_off_account_is_signed_out_on_its_next_page(client, researcher):
    _password_sign_in(client, researcher)
    researcher.is_active = False
    researcher.save(update_fields=["is_active"])
    assert _is_signed_out(client.get(reverse(PROTECTED)))


@pytest.mark.django_db
def test_the_session_store_reads_one_row_and_its_data(
    client, researcher, django_assert_num_queries
):
    _password_sign_in(client, researcher)
    key = client.session.session_key
    store = SessionStore(key)
    with django_assert_num_queries(1):
        data = store.load()
    assert data[SESSION_KEY] == str(researcher.pk)
    assert store.session_key == key


@pytest.mark.django_db
def test_an_expired_session_is_not_read_and_signs_the_user_out(client, researcher):
    _password_sign_in(client, researcher)
    key = client.session.session_key
    Session.objects.filter(pk=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    store = SessionStore(key)
    assert store.load() == {}
    assert store.session_key is None  # forgotten, so a new one is made rather than reused
    assert _is_signed_out(client.get(reverse(PROTECTED)))


@pytest.mark.django_db
def test_an_unknown_session_key_gives_an_empty_session_and_a_new_key_on_save():
    store = SessionStore("k" * 32)
    assert store.load() == {}
    assert store.session_key is None
    store["note"] = "kept"
    store.save()
    assert store.session_key != "k" * 32
    assert SessionStore(store.session_key).load() == {"note": "kept"}


@pytest.mark.django_db
def test_changing_the_password_elsewhere_signs_this_session_out(client, researcher):
    _password_sign_in(client, researcher)
    assert not _is_signed_out(client.get(reverse(PROTECTED)))
    researcher.set_password("another long passphrase entirely")
    researcher.save()
    assert _is_signed_out(client.get(reverse(PROTECTED)))


@pytest.mark.django_db
def test_sessions_from_before_the_upgrade_stay_signed_in(client, researcher):
    """Migration 0003 rewrites the backend recorded by sessions made with Django's
    ModelBackend, which Django would otherwise sign out (no longer configured)."""
    migration = import_module(MIGRATION)
    client.force_login(researcher, backend=migration.DJANGO_BACKEND)
    assert _is_signed_out(client.get(reverse(PROTECTED)))  # what the upgrade would do unaided
    client.force_login(researcher, backend=migration.DJANGO_BACKEND)
    migration.forwards(apps, None)
    assert client.session[BACKEND_SESSION_KEY] == ACCOUNT_BACKEND
    assert not _is_signed_out(client.get(reverse(PROTECTED)))
    migration.backwards(apps, None)
    assert client.session[BACKEND_SESSION_KEY] == migration.DJANGO_BACKEND


@pytest.mark.django_db
def test_the_upgrade_drops_the_copies_the_cached_db_engine_keeps(client, researcher, settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    migration = import_module(MIGRATION)
    client.force_login(researcher, backend=migration.DJANGO_BACKEND)  # row and cached copy
    migration.forwards(apps, None)
    assert not _is_signed_out(client.get(reverse(PROTECTED)))
