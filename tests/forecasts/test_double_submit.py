"""Two submissions of one part with the same key, at the same moment (a double click
or a retry racing the first request), both get the first one's result: never the
"locked" page, and one set of forecasts. Needs PostgreSQL's row locks."""

from __future__ import annotations

import threading
import uuid

import pytest
from casecast.forecasts.models import Forecast
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from .conftest import answers_for, stages_of, start_case

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 3  # one per part of the staged case


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite has no row locks (set DATABASE_URL)")


def _post_together(clients: list[Client], url: str, data: dict[str, str]) -> list:
    barrier = threading.Barrier(len(clients))
    responses: list = [None] * len(clients)
    errors: list[Exception] = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            responses[index] = clients[index].post(url, data)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return responses


def test_a_double_submit_always_replays_the_first(journey_study, participant_ready):
    assignment = start_case(participant_ready, journey_study)
    clients = []
    for _ in range(2):
        client = Client()
        client.force_login(participant_ready.user)
        clients.append(client)
    stages = stages_of(assignment)
    for part, stage in enumerate(stages[:ROUNDS], start=1):
        url = reverse("forecasts:stage", args=[assignment.pk, part])
        data = {**answers_for(stage.questions.all()), "idempotency_key": str(uuid.uuid4())}
        responses = _post_together(clients, url, data)
        following = (
            reverse("forecasts:stage", args=[assignment.pk, part + 1])
            if part < len(stages)
            else reverse("forecasts:complete", args=[assignment.pk])
        )
        # Both are sent on to the next part; "locked" would send one back to this part.
        assert [r.status_code for r in responses] == [302, 302]
        assert [r["Location"] for r in responses] == [following, following]
        assert Forecast.objects.filter(question__stage=stage).count() == stage.questions.count()
