"""Sessions signed in before the account backend existed name Django's ModelBackend.

Django signs out any session whose recorded backend is no longer in
AUTHENTICATION_BACKENDS. Rewriting the recorded path keeps everyone signed in across
the upgrade (the session's data are re-encoded with the same key; nothing else changes).
"""

from django.contrib.sessions.backends.db import SessionStore
from django.db import migrations
from django.utils import timezone

BACKEND_KEY = "_auth_user_backend"  # django.contrib.auth.BACKEND_SESSION_KEY
DJANGO_BACKEND = "django.contrib.auth.backends.ModelBackend"
ACCOUNT_BACKEND = "casecast.accounts.backends.AccountBackend"


def _rename(apps, old: str, new: str) -> None:
    Session = apps.get_model("sessions", "Session")
    store = SessionStore()
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        data = store.decode(session.session_data)
        if data.get(BACKEND_KEY) == old:
            data[BACKEND_KEY] = new
            session.session_data = store.encode(data)
            session.save(update_fields=["session_data"])


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
