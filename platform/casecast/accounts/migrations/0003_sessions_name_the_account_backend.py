"""Sessions signed in before the account backend existed name Django's ModelBackend.

Django signs out any session whose recorded backend is no longer in
AUTHENTICATION_BACKENDS. Rewriting the recorded path in the session table keeps
everyone signed in across the upgrade (the data are re-encoded with the same key;
nothing else changes). A copy kept by the `cached_db` engine is dropped, so the next
page reads the rewritten row. Sessions kept only in signed cookies cannot be
rewritten: with that engine the upgrade signs everyone out once (docs/deployment.md).
"""

from django.conf import settings
from django.contrib.sessions.backends.cached_db import KEY_PREFIX
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import caches
from django.db import migrations
from django.utils import timezone

BACKEND_KEY = "_auth_user_backend"  # django.contrib.auth.BACKEND_SESSION_KEY
DJANGO_BACKEND = "django.contrib.auth.backends.ModelBackend"
ACCOUNT_BACKEND = "casecast.accounts.backends.AccountBackend"


def _rename(apps, old: str, new: str) -> None:
    Session = apps.get_model("sessions", "Session")
    store = SessionStore()
    cached_copies = caches[settings.SESSION_CACHE_ALIAS]
    for session in list(Session.objects.filter(expire_date__gt=timezone.now())):
        data = store.decode(session.session_data)
        if data.get(BACKEND_KEY) == old:
            data[BACKEND_KEY] = new
            session.session_data = store.encode(data)
            session.save(update_fields=["session_data"])
            cached_copies.delete(KEY_PREFIX + session.session_key)


def forwards(apps, schema_editor):
    _rename(apps, DJANGO_BACKEND, ACCOUNT_BACKEND)


def backwards(apps, schema_editor):
    _rename(apps, ACCOUNT_BACKEND, DJANGO_BACKEND)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_participant_link_key"),
        ("sessions", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
