"""State is plain JSON, never mutated, and carries exactly what each scheme needs."""

from __future__ import annotations

import copy
import json

from casecast.randomisation import Decision, Design, allocate, initial_state
from hypothesis import given, settings
from hypothesis import strategies as st

SCHEMES = ("simple", "blocks", "minimisation")
LEVELS = st.fixed_dictionaries(
    {"region": st.sampled_from(["north", "south", "North East"]), "size": st.sampled_from("SL")}
)


def design_for(scheme: str) -> Design:
    return Design(
        arms=("control", "a", "b"), ratio=(2, 1, 1), scheme=scheme, factors=("region", "size")
    )


def json_round_trip(value):
    return json.loads(json.dumps(value))


def test_initial_state_holds_only_totals_and_the_schemes_own_counters():
    blocks = design_for("blocks")
    minimisation = design_for("minimisation")

    assert initial_state(blocks) == {
        "format": 1,
        "design": blocks.fingerprint,
        "scheme": "blocks",
        "totals": [0, 0, 0],
        "strata": {},
    }
    assert initial_state(minimisation) == {
        "format": 1,
        "design": minimisation.fingerprint,
        "scheme": "minimisation",
        "totals": [0, 0, 0],
        "counts": {"region": {}, "size": {}},
    }


def test_blocks_state_points_at_the_next_slot_of_each_stratum():
    design = Design(arms=("a", "b"), ratio=(1, 1), scheme="blocks", block_multiples=(1,))
    state = initial_state(design)
    for _ in range(3):
        _, state = allocate(design=design, seed="s", state=state, levels={})

    assert state["strata"] == {"all": {"allocated": 3, "block": 1, "position": 1}}
    assert sorted(state["totals"]) == [1, 2]


def test_minimisation_state_counts_arms_at_each_level_of_each_factor():
    design = design_for("minimisation")
    state = initial_state(design)
    decision, state = allocate(
        design=design, seed="s", state=state, levels={"region": "north", "size": "S"}
    )

    expected = [0, 0, 0]
    expected[decision.arm] = 1
    assert state["counts"] == {"region": {"north": expected}, "size": {"S": expected}}


@settings(max_examples=25, deadline=None)
@given(scheme=st.sampled_from(SCHEMES), stream=st.lists(LEVELS, min_size=1, max_size=30))
def test_allocate_never_mutates_its_input_and_everything_survives_json(scheme, stream):
    design = design_for(scheme)
    state = initial_state(design)
    for levels in stream:
        before = copy.deepcopy(state)
        decision, new_state = allocate(design=design, seed="state", state=state, levels=levels)

        assert state == before
        assert json_round_trip(new_state) == new_state
        assert Decision.from_dict(json_round_trip(decision.to_dict())) == decision
        assert sum(new_state["totals"]) == decision.sequence + 1
        # Continuing from the stored (JSON) form gives the same next decision.
        assert (
            allocate(design=design, seed="state", state=json_round_trip(state), levels=levels)[0]
            == decision
        )
        state = new_state


def test_the_returned_state_shares_nothing_mutable_with_the_input():
    for scheme in SCHEMES:
        design = design_for(scheme)
        levels = {"region": "north", "size": "S"}
        _, state = allocate(design=design, seed="s", state=initial_state(design), levels=levels)
        before = copy.deepcopy(state)
        _, new_state = allocate(design=design, seed="s", state=state, levels=levels)

        part = "counts" if scheme == "minimisation" else "strata"
        new_state["totals"].append(99)
        for inner in new_state[part].values():
            inner.clear()
        assert state == before


def test_decision_details_record_the_inputs_but_never_the_seed():
    seed = "a-very-secret-seed-value"
    for scheme in SCHEMES:
        design = design_for(scheme)
        decision, _ = allocate(
            design=design,
            seed=seed,
            state=initial_state(design),
            levels={"region": "north", "size": "S"},
        )
        logged = json.dumps(decision.to_dict())

        assert seed not in logged
        assert decision.details["scheme"] == scheme
        assert decision.details["stratum"] == "region=north&size=S"
        assert decision.details["levels"] == {"region": "north", "size": "S"}
        assert decision.details["arm"] == design.arms[decision.arm]


def test_a_design_survives_json_with_the_same_fingerprint():
    design = Design(
        arms=("control", "a"),
        ratio=(2, 1),
        scheme="minimisation",
        factors=("region",),
        minimisation_probability=0.75,
    )
    rebuilt = Design.from_dict(json_round_trip(design.to_dict()))

    assert rebuilt == design
    assert rebuilt.fingerprint == design.fingerprint
