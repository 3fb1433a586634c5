"""Parallel enrolments on PostgreSQL never share a slot or break block balance."""

import threading

import pytest
from casecast.randomisation import allocate, initial_state
from casecast.studies import design as study_design
from casecast.studies import services
from casecast.studies.models import Allocation, Participant
from django.db import connection, connections

from tests.fixtures_studies import build_study, create_participant

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 12


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite has no row locks (set DATABASE_URL)")


def _in_parallel(target, items):
    barrier = threading.Barrier(len(items))
    errors = []

    def run(item):
        try:
            barrier.wait()
            target(item)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors


def test_parallel_randomisations_take_distinct_slots_in_the_sealed_sequence(researcher):
    study = build_study(by=researcher, title="Parallel", strata=())
    people = [
        create_participant(study=study, email=f"p{n}@example.org", stage="baseline")
        for n in range(THREADS)
    ]
    _in_parallel(lambda p: services.participant_randomise(participant=p), people)

    allocations = list(Allocation.objects.filter(study=study).order_by("sequence"))
    assert [a.sequence for a in allocations] == list(range(THREADS))
    assert len({a.participant_id for a in allocations}) == THREADS
    # Whatever order the threads won the lock in, the arms follow the seeded sequence
    # exactly as if the participants had enrolled one by one.
    version = study.design_versions.get()
    engine = study_design.engine_design(version=version)
    state = initial_state(engine)
    expected = []
    for _ in allocations:
        decision, state = allocate(
            design=engine,
            seed=study_design.version_seed(study=study, version=version),
            state=state,
            levels={},
        )
        expected.append(engine.arms[decision.arm])
    assert [a.arm.key for a in allocations] == expected
    counts = [
        Participant.objects.filter(study=study, arm__key=k).count() for k in ("control", "feedback")
    ]
    assert abs(counts[0] - counts[1]) <= 2


def test_the_same_participant_randomised_in_parallel_gets_one_allocation(researcher):
    study = build_study(by=researcher, title="Same person", strata=())
    person = create_participant(study=study, email="same@example.org", stage="baseline")
    _in_parallel(lambda _: services.participant_randomise(participant=person), range(6))
    assert Allocation.objects.filter(participant=person).count() == 1


def test_parallel_first_participants_of_a_council_allocate_it_once(researcher):
    study = build_study(by=researcher, title="Cluster race", unit="council", strata=())
    council = study.councils.first()
    _in_parallel(
        lambda n: services.participant_enrol(
            study=study,
            council=council,
            email=f"c{n}@example.org",
            route="council_code",
            send_link=False,
        ),
        range(8),
    )
    assert Allocation.objects.filter(study=study, council=council).count() == 1
    council.refresh_from_db()
    assert council.arm is not None
