"""Invalid designs, levels, seeds and states are refused with a ValueError naming the problem."""

from __future__ import annotations

import pytest
from casecast.randomisation import (
    Design,
    allocate,
    allocation_list,
    initial_state,
    stratum_key,
)

VALID = {"arms": ("control", "treatment"), "ratio": (1, 1), "scheme": "blocks"}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"arms": ("only",), "ratio": (1,)}, "at least two arms"),
        ({"arms": ("a", "a")}, "unique, repeated: a"),
        ({"arms": ("a", "")}, "arms must be non-empty text"),
        ({"arms": ("a", 2)}, "arms must be non-empty text"),
        ({"arms": "ab"}, "arms must be a sequence"),
        ({"ratio": (1, 1, 1)}, "ratio has 3 weights but there are 2 arms"),
        ({"ratio": (1, 0)}, "ratio weights must be positive integers"),
        ({"ratio": (1, 1.5)}, "ratio weights must be positive integers"),
        ({"ratio": (1, True)}, "ratio weights must be positive integers"),
        ({"scheme": "urn"}, "scheme must be one of simple, blocks, minimisation"),
        ({"factors": ("region", "region")}, "factors must be unique, repeated: region"),
        ({"factors": ("",)}, "factors must be non-empty text"),
        ({"factors": ("arm",)}, "factor name 'arm' is reserved"),
        ({"scheme": "minimisation"}, "minimisation needs at least one factor"),
        ({"block_multiples": ()}, "block_multiples must list at least one multiple"),
        ({"block_multiples": (1, 0)}, "block_multiples must be positive integers"),
        ({"block_multiples": (2, 2)}, "block_multiples must be unique"),
        ({"minimisation_probability": 0.4}, "minimisation_probability must be between 0.5 and 1"),
        ({"minimisation_probability": 1.2}, "minimisation_probability must be between 0.5 and 1"),
        ({"minimisation_probability": float("nan")}, "must be between 0.5 and 1"),
        ({"minimisation_probability": "0.8"}, "minimisation_probability must be a number"),
    ],
)
def test_an_invalid_design_is_refused_naming_the_problem(changes, message):
    with pytest.raises(ValueError, match=message):
        Design(**{**VALID, **changes})


def test_lists_from_json_are_accepted_and_stored_as_tuples():
    design = Design(arms=["a", "b"], ratio=[2, 1], scheme="blocks", block_multiples=[1, 3])

    assert design.arms == ("a", "b")
    assert design.ratio == (2, 1)
    assert design.block_multiples == (1, 3)


def test_from_dict_refuses_unknown_fields():
    with pytest.raises(ValueError, match="unknown design fields: colour"):
        Design.from_dict({**VALID, "colour": "blue"})


@pytest.mark.parametrize(
    ("levels", "message"),
    [
        ({"region": "north"}, "levels missing for factors: size"),
        ({"region": "north", "size": "large", "age": "old"}, "unknown factors: age"),
        ({"region": "north", "sizes": "large"}, "levels missing for factors: size"),
        ({"region": "north", "size": ""}, "level for factor 'size' must be non-empty text"),
        ({"region": "north", "size": 3}, "level for factor 'size' must be non-empty text"),
        ([("region", "north")], "levels must be a mapping"),
    ],
)
@pytest.mark.parametrize("scheme", ["simple", "blocks", "minimisation"])
def test_levels_must_match_the_design_factors(scheme, levels, message):
    design = Design(**{**VALID, "scheme": scheme, "factors": ("region", "size")})

    with pytest.raises(ValueError, match=message):
        allocate(design=design, seed="s", state=initial_state(design), levels=levels)
    with pytest.raises(ValueError, match=message):
        stratum_key(levels, design.factors)


@pytest.mark.parametrize("seed", ["", None, 42])
def test_a_seed_must_be_non_empty_text(seed):
    design = Design(**VALID)

    with pytest.raises(ValueError, match="seed must be non-empty text"):
        allocate(design=design, seed=seed, state=initial_state(design), levels={})


def test_state_from_another_design_is_refused():
    design = Design(**VALID)
    other = Design(**{**VALID, "ratio": (2, 1)})

    with pytest.raises(ValueError, match="different design"):
        allocate(design=design, seed="s", state=initial_state(other), levels={})


@pytest.mark.parametrize(
    ("corrupt", "message"),
    [
        (lambda state: state.update(format=2), "state format must be 1"),
        (lambda state: state.update(totals=[0]), "totals must be 2 non-negative integers"),
        (lambda state: state.update(totals=[0, -1]), "totals must be 2 non-negative integers"),
        (lambda state: state.pop("strata"), "needs a 'strata' mapping"),
        (
            lambda state: state["strata"].update({"all": {"allocated": "x"}}),
            "state for stratum 'all' is corrupt",
        ),
        (
            lambda state: state["strata"].update({"all": {"block": 0, "position": 99}}),
            "points past the end of its block",
        ),
    ],
)
def test_corrupt_state_is_refused(corrupt, message):
    design = Design(**VALID)
    state = initial_state(design)
    corrupt(state)

    with pytest.raises(ValueError, match=message):
        allocate(design=design, seed="s", state=state, levels={})


def test_corrupt_minimisation_counts_are_refused():
    design = Design(**{**VALID, "scheme": "minimisation", "factors": ("x",)})
    state = initial_state(design)
    state["counts"]["x"]["1"] = [1]

    with pytest.raises(ValueError, match="counts for x='1' are corrupt"):
        allocate(design=design, seed="s", state=state, levels={"x": "1"})


def test_minimisation_cannot_be_listed_in_advance():
    design = Design(**{**VALID, "scheme": "minimisation", "factors": ("x",)})

    with pytest.raises(ValueError, match="minimisation cannot be listed in advance"):
        allocation_list(design=design, seed="s", strata=[{"x": "1"}], per_stratum=4)


@pytest.mark.parametrize(
    ("strata", "per_stratum", "message"),
    [
        ([{"x": "1"}, {"x": "1"}], 4, "stratum 'x=1' is listed twice"),
        ([{"x": "1"}], -1, "per_stratum must be a non-negative integer"),
        ([{"y": "1"}], 4, "levels missing for factors: x"),
    ],
)
def test_an_invalid_allocation_list_request_is_refused(strata, per_stratum, message):
    design = Design(**{**VALID, "factors": ("x",)})

    with pytest.raises(ValueError, match=message):
        allocation_list(design=design, seed="s", strata=strata, per_stratum=per_stratum)
