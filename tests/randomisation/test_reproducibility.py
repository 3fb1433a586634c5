"""Allocations follow from the seed and the enrolment order, and nothing else."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from casecast.randomisation import Design, allocate, allocation_list, initial_state, stratum_key
from hypothesis import given, settings
from hypothesis import strategies as st

SCHEMES = ("simple", "blocks", "minimisation")
PLATFORM = Path(__file__).resolve().parents[2] / "platform"
ENROLMENT = [
    {"region": region, "size": size}
    for region, size in [
        ("north", "S"), ("south", "L"), ("north", "L"), ("north", "S"),
        ("south", "S"), ("north", "S"), ("south", "L"), ("north", "S"),
        ("south", "L"), ("north", "L"), ("north", "S"), ("south", "S"),
    ]
]  # fmt: skip
# Pinned so that any change to the draws (which would silently change every
# running trial's future allocations) fails loudly.
GOLDEN = {"simple": "100111011000", "blocks": "120002200011", "minimisation": "000210012120"}


def design_for(scheme: str, **options) -> Design:
    return Design(
        arms=("control", "a", "b"),
        ratio=(2, 1, 1),
        scheme=scheme,
        factors=("region", "size"),
        **options,
    )


def run(design: Design, seed: str, enrolment: list[dict[str, str]]) -> list[int]:
    state = initial_state(design)
    arms = []
    for levels in enrolment:
        decision, state = allocate(design=design, seed=seed, state=state, levels=levels)
        arms.append(decision.arm)
    return arms


@pytest.mark.parametrize("scheme", SCHEMES)
def test_the_same_seed_and_order_give_the_same_allocations(scheme):
    design = design_for(scheme)
    enrolment = ENROLMENT * 5

    assert run(design, "seed-1", enrolment) == run(design, "seed-1", enrolment)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_a_different_seed_gives_different_allocations(scheme):
    design = design_for(scheme)
    enrolment = ENROLMENT * 5

    assert run(design, "seed-1", enrolment) != run(design, "seed-2", enrolment)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_allocations_match_the_pinned_reference_sequence(scheme):
    arms = run(design_for(scheme), "golden-seed", ENROLMENT)

    assert "".join(map(str, arms)) == GOLDEN[scheme]


def test_allocations_are_the_same_in_other_processes_with_other_string_hashing():
    script = (
        "import json, sys\n"
        "from casecast.randomisation import Design, allocate, initial_state\n"
        "enrolment = json.loads(sys.argv[1])\n"
        "result = {}\n"
        "for scheme in ('simple', 'blocks', 'minimisation'):\n"
        "    design = Design(arms=('control', 'a', 'b'), ratio=(2, 1, 1), scheme=scheme,\n"
        "                    factors=('region', 'size'))\n"
        "    state, arms = initial_state(design), []\n"
        "    for levels in enrolment:\n"
        "        decision, state = allocate(design=design, seed='x-process', state=state,\n"
        "                                   levels=levels)\n"
        "        arms.append(decision.arm)\n"
        "    result[scheme] = arms\n"
        "print(json.dumps(result))\n"
    )
    expected = {scheme: run(design_for(scheme), "x-process", ENROLMENT) for scheme in SCHEMES}
    for hash_seed in ("0", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(PLATFORM)}
        output = subprocess.run(
            [sys.executable, "-c", script, json.dumps(ENROLMENT)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert json.loads(output) == expected


@pytest.mark.parametrize("scheme", SCHEMES)
def test_retrying_an_allocation_from_the_same_state_repeats_the_decision(scheme):
    design = design_for(scheme)
    state = initial_state(design)
    for levels in ENROLMENT:
        decision, new_state = allocate(design=design, seed="retry", state=state, levels=levels)
        again, again_state = allocate(design=design, seed="retry", state=state, levels=levels)
        assert (again, again_state) == (decision, new_state)
        state = new_state


def test_stratum_keys_are_canonical_whatever_the_order_of_factors_or_levels():
    assert stratum_key({"size": "S", "region": "north"}, ("size", "region")) == (
        "region=north&size=S"
    )
    assert stratum_key({"region": "north", "size": "S"}, ("region", "size")) == (
        "region=north&size=S"
    )
    assert stratum_key({"region": "North East & Cumbria"}, ("region",)) == (
        "region=North%20East%20%26%20Cumbria"
    )
    assert stratum_key({}, ()) == "all"


STRATA = [{"region": region, "size": size} for region in ("north", "south") for size in "SL"]


@pytest.mark.parametrize("scheme", ["simple", "blocks"])
@pytest.mark.parametrize("multiples", [(1, 2), (1, 2, 3)])
@settings(max_examples=20, deadline=None)
@given(order=st.lists(st.sampled_from(range(len(STRATA))), min_size=1, max_size=60))
def test_the_advance_list_equals_on_the_fly_allocation_in_any_enrolment_order(
    scheme, multiples, order
):
    design = design_for(scheme, block_multiples=multiples)
    rows = allocation_list(design=design, seed="advance", strata=STRATA, per_stratum=60)
    listed = {(row["stratum"], row["position"]): row for row in rows}

    state = initial_state(design)
    for index in order:
        decision, state = allocate(design=design, seed="advance", state=state, levels=STRATA[index])
        details = decision.details
        row = listed[(details["stratum"], details["stratum_position"])]
        assert row["arm"] == details["arm"]
        if scheme == "blocks":
            assert (row["block"], row["block_size"], row["block_position"]) == (
                details["block"],
                details["block_size"],
                details["block_position"],
            )


def test_advance_list_rows_carry_levels_position_arm_and_block():
    design = design_for("blocks")
    rows = allocation_list(design=design, seed="rows", strata=STRATA[:2], per_stratum=10)

    assert len(rows) == 20
    assert rows[0].keys() == {
        "region", "size", "stratum", "position", "arm", "block", "block_size", "block_position"
    }  # fmt: skip
    assert [row["position"] for row in rows[:10]] == list(range(10))
    assert {row["stratum"] for row in rows[10:]} == {"region=north&size=L"}
    json.dumps(rows)


def test_a_longer_advance_list_extends_a_shorter_one():
    design = design_for("blocks")
    short = allocation_list(design=design, seed="extend", strata=STRATA, per_stratum=7)
    long = allocation_list(design=design, seed="extend", strata=STRATA, per_stratum=30)

    assert short == [row for row in long if row["position"] < 7]
