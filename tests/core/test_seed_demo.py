"""`seed_demo` is idempotent: twice leaves exactly what once leaves."""

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models


def _snapshot() -> dict[str, list[tuple]]:
    """Every row of every Casecast table, minus moments in time (when a row was
    written or refreshed differs from run to run; what was written must not)."""
    snapshot = {}
    for model in apps.get_models():
        if not model.__module__.startswith("casecast."):
            continue
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if not isinstance(f, models.DateTimeField)
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


@pytest.mark.django_db
def test_seed_demo_prints_the_researcher_login(capsys):
    call_command("seed_demo")
    printed = capsys.readouterr().out
    assert "researcher@example.org" in printed
    assert "casecast-demo-2026" in printed
