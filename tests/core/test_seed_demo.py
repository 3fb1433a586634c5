"""`seed_demo` is idempotent (twice leaves exactly what once leaves) and says how to sign in."""

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models


def _snapshot() -> dict[str, list[tuple]]:
    """Every row of every Casecast table, minus moments in time (when a row was
    written or refreshed differs from run to run; what was written must not)
    and the personal-link keys (each run prints, so issues, new links)."""
    snapshot = {}
    for model in apps.get_models():
        if not model.__module__.startswith("casecast."):
            continue
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if not isinstance(f, models.DateTimeField) and f.attname != "link_key"
        ]
        snapshot[model._meta.label] = sorted(
            model.objects.order_by("pk").values_list(*fields), key=repr
        )
    return snapshot


@pytest.mark.django_db
def test_running_seed_demo_twice_leaves_the_same_data_as_once(capsys):
    call_command("seed_demo")
    first = _snapshot()
    call_command("seed_demo")
    second = _snapshot()
    assert first == second
    assert first["accounts.User"], "the demo creates accounts"


def test_seed_demo_prints_the_sign_ins_and_no_log_noise(tmp_path):
    """A newcomer's `make run` output: the accounts and links, no kombu or Celery lines.

    Run as `make seed` runs it (a fresh process, eager tasks, the settings' logging),
    because the warnings come from process-wide logging and kombu's first connection.
    """
    from tests.core.test_settings import _run

    database = f"sqlite:///{tmp_path / 'seed.sqlite3'}"
    migrated = _run(["manage.py", "migrate", "--noinput", "-v", "0"], DATABASE_URL=database)
    assert migrated.returncode == 0, migrated.stderr
    seeded = _run(["manage.py", "seed_demo"], DATABASE_URL=database)
    assert seeded.returncode == 0, seeded.stderr
    printed = seeded.stdout + seeded.stderr
    assert "No hostname was supplied" not in printed
    assert " succeeded in " not in printed
    lines = [line for line in printed.splitlines() if line.strip()]
    assert lines[0] == "Casecast demo is ready.", lines[:5]
    assert "email researcher@example.org   password casecast-demo-2026" in printed
    assert "/accounts/link/?token=" in printed
