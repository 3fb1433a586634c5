"""The trial design a randomisation scheme works from, and stratum keys."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from functools import cached_property, lru_cache
from typing import Any, Literal, cast
from urllib.parse import quote

Scheme = Literal["simple", "blocks", "minimisation"]
SCHEMES: tuple[str, ...] = ("simple", "blocks", "minimisation")

# Advance allocation lists put factor levels and these columns in one row, so a
# factor with one of these names would silently overwrite a column.
RESERVED_FACTOR_NAMES = frozenset(
    {"stratum", "position", "arm", "block", "block_size", "block_position"}
)

# Chosen so it cannot collide with a real key: real keys always contain "=".
UNSTRATIFIED_KEY = "all"


@dataclass(frozen=True)
class Design:
    """What to randomise between and how.

    ``arms`` are stable keys (control first by convention); ``ratio`` holds an
    integer allocation weight per arm.  Lists are accepted and stored as
    tuples so a design can be rebuilt from JSON.
    """

    arms: tuple[str, ...]
    ratio: tuple[int, ...]
    scheme: Scheme
    factors: tuple[str, ...] = ()
    block_multiples: tuple[int, ...] = (1, 2)
    minimisation_probability: float = 0.8

    def __post_init__(self) -> None:
        for name in ("arms", "ratio", "factors", "block_multiples"):
            value = getattr(self, name)
            if isinstance(value, str) or not isinstance(value, Iterable):
                raise ValueError(f"{name} must be a sequence, not {value!r}")
            object.__setattr__(self, name, tuple(value))
        _check_arms(self.arms)
        _check_ratio(self.ratio, arm_count=len(self.arms))
        if self.scheme not in SCHEMES:
            raise ValueError(f"scheme must be one of {', '.join(SCHEMES)}, not {self.scheme!r}")
        _check_factors(self.factors, scheme=self.scheme)
        _check_block_multiples(self.block_multiples)
        _check_probability(self.minimisation_probability)
        # 1 and 1.0 compare equal, so they must also fingerprint the same.
        object.__setattr__(self, "minimisation_probability", float(self.minimisation_probability))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable form; ``Design.from_dict`` inverts it."""
        return {
            key: list(value) if isinstance(value, tuple) else value
            for key, value in asdict(self).items()
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Design:
        known = {field.name for field in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown design fields: {', '.join(unknown)}")
        return cls(**data)

    @cached_property
    def fingerprint(self) -> str:
        """A short digest stored in state so a changed design cannot reuse it."""
        canonical = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]

    @cached_property
    def ratio_lcm(self) -> int:
        """Scaling that makes every count / ratio weight an exact integer."""
        return math.lcm(*self.ratio)


def stratum_key(levels: Mapping[str, str], factors: Iterable[str]) -> str:
    """The canonical key of the stratum a unit with ``levels`` belongs to.

    Factors are sorted by name so declaration order does not matter, and names
    and levels are percent-encoded so any text is unambiguous, e.g.
    ``"region=North%20East&size=large"``.  Without factors the key is ``"all"``.
    """
    factors = tuple(factors)
    check_levels(levels, factors)
    return _joined_key(factors, tuple(levels[factor] for factor in factors))


@lru_cache(maxsize=4096)
def _joined_key(factors: tuple[str, ...], values: tuple[str, ...]) -> str:
    # Cached because a study has few strata but simulations ask very often.
    if not factors:
        return UNSTRATIFIED_KEY
    pairs = sorted(zip(factors, values, strict=True))
    return "&".join(f"{quote(factor, safe='')}={quote(level, safe='')}" for factor, level in pairs)


def check_levels(levels: Mapping[str, str], factors: tuple[str, ...]) -> None:
    """Raise ValueError unless ``levels`` gives one text level per factor."""
    if not isinstance(levels, Mapping):
        raise ValueError(f"levels must be a mapping of factor to level, not {levels!r}")
    if len(levels) != len(factors) or not all(factor in levels for factor in factors):
        missing = [factor for factor in factors if factor not in levels]
        if missing:
            raise ValueError(f"levels missing for factors: {', '.join(missing)}")
        extra = sorted(str(key) for key in levels if key not in factors)
        raise ValueError(f"levels given for unknown factors: {', '.join(extra)}")
    for factor in factors:
        level = levels[factor]
        if not isinstance(level, str) or not level:
            raise ValueError(f"level for factor {factor!r} must be non-empty text, not {level!r}")


def _check_arms(arms: tuple[Any, ...]) -> None:
    if len(arms) < 2:
        raise ValueError(f"arms must name at least two arms, got {len(arms)}")
    for arm in arms:
        if not isinstance(arm, str) or not arm:
            raise ValueError(f"arms must be non-empty text, not {arm!r}")
    duplicates = sorted({arm for arm in arms if arms.count(arm) > 1})
    if duplicates:
        raise ValueError(f"arms must be unique, repeated: {', '.join(duplicates)}")


def _is_int(value: Any) -> bool:
    # bool is an int subclass, but True as a ratio weight is surely a mistake.
    return isinstance(value, int) and not isinstance(value, bool)


def _check_ratio(ratio: tuple[Any, ...], *, arm_count: int) -> None:
    if len(ratio) != arm_count:
        raise ValueError(f"ratio has {len(ratio)} weights but there are {arm_count} arms")
    for weight in ratio:
        if not _is_int(weight) or weight < 1:
            raise ValueError(f"ratio weights must be positive integers, not {weight!r}")


def _check_factors(factors: tuple[Any, ...], *, scheme: str) -> None:
    for factor in factors:
        if not isinstance(factor, str) or not factor:
            raise ValueError(f"factors must be non-empty text, not {factor!r}")
        if factor in RESERVED_FACTOR_NAMES:
            raise ValueError(f"factor name {factor!r} is reserved; rename the factor")
    duplicates = sorted({factor for factor in factors if factors.count(factor) > 1})
    if duplicates:
        raise ValueError(f"factors must be unique, repeated: {', '.join(duplicates)}")
    if scheme == "minimisation" and not factors:
        raise ValueError("minimisation needs at least one factor to minimise imbalance over")


def _check_block_multiples(multiples: tuple[Any, ...]) -> None:
    if not multiples:
        raise ValueError("block_multiples must list at least one multiple")
    for multiple in multiples:
        if not _is_int(multiple) or multiple < 1:
            raise ValueError(f"block_multiples must be positive integers, not {multiple!r}")
    if len(set(multiples)) != len(multiples):
        raise ValueError(f"block_multiples must be unique, got {list(multiples)}")


def _check_probability(probability: Any) -> None:
    if isinstance(probability, bool) or not isinstance(probability, int | float):
        raise ValueError(f"minimisation_probability must be a number, not {probability!r}")
    # Below 0.5 the 'preferred' arm could be less likely than another arm, so
    # minimisation would no longer reliably reduce imbalance.
    if not 0.5 <= cast(float, probability) <= 1.0:
        raise ValueError(f"minimisation_probability must be between 0.5 and 1, not {probability!r}")
