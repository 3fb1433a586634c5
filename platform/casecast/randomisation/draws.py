"""Deterministic random draws derived from the study seed with SHA-256.

We do not use ``random`` or ``numpy.random`` here: their algorithms for
shuffles and bounded integers have changed between releases, and an
allocation sequence must be reproducible for as long as a trial's audit
lasts.  SHA-256 in counter mode plus textbook rejection sampling and
Fisher-Yates depends on nothing that can change under us, and is the same in
every process (unlike Python's salted ``hash()`` of strings).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from typing import Any

# Bumping this would change every allocation ever generated, so never do it
# for a running trial; it exists so a future algorithm can coexist.
_DOMAIN = b"casecast.randomisation.v1"


class Stream:
    """A reproducible source of draws keyed by text parts (seed, purpose, ...)."""

    __slots__ = ("_block", "_counter", "_offset", "_prefix")

    def __init__(self, *parts: str) -> None:
        encoded = [part.encode("utf-8") for part in parts]
        # Length prefixes keep ("ab", "c") and ("a", "bc") distinct.
        message = b"".join(len(data).to_bytes(8, "big") + data for data in encoded)
        self._prefix = hashlib.sha256(_DOMAIN + message)
        self._counter = 0
        self._block = b""
        self._offset = 0

    def _word(self) -> int:
        """The next 64 bits of SHA-256(domain || parts || counter), counter = 0, 1, ..."""
        if self._offset == len(self._block):
            hasher = self._prefix.copy()
            hasher.update(self._counter.to_bytes(8, "big"))
            self._block = hasher.digest()
            self._counter += 1
            self._offset = 0
        word = int.from_bytes(self._block[self._offset : self._offset + 8], "big")
        self._offset += 8
        return word

    def below(self, n: int) -> int:
        """A uniform integer in ``range(n)``, without modulo bias.

        Uses whole 64-bit words, enough to exceed ``n`` (even the factorials
        ``shuffle`` needs), and rejects the uneven top of the range.
        """
        if n < 1:
            raise ValueError(f"cannot draw below {n}")
        words = n.bit_length() // 64 + 1
        span = 1 << (64 * words)
        limit = span - span % n
        while True:
            value = 0
            for _ in range(words):
                value = (value << 64) | self._word()
            if value < limit:
                return value % n

    def uniform(self) -> float:
        """A uniform float in [0, 1) with 53 random bits (exact in JSON)."""
        return (self._word() >> 11) / 2**53

    def shuffle(self, items: list[Any]) -> None:
        """Shuffle in place, all orders equally likely.

        One draw below len(items)! is decoded into swap positions (Fisher-Yates
        driven by the factorial number system): the same permutation law as
        one draw per swap, but far fewer hashes for a whole block.
        """
        code = self.below(math.factorial(len(items)))
        for i in range(len(items) - 1, 0, -1):
            code, j = divmod(code, i + 1)
            items[i], items[j] = items[j], items[i]

    def weighted(self, weights: Sequence[int]) -> tuple[int, int]:
        """Pick an index with probability proportional to integer ``weights``.

        Returns ``(index, draw)``; ``draw`` in ``range(sum(weights))`` is kept
        so the choice can be re-derived by hand from the log.
        """
        draw = self.below(sum(weights))
        cumulative = 0
        for index, weight in enumerate(weights):
            cumulative += weight
            if draw < cumulative:
                return index, draw
        raise AssertionError("unreachable: draw is below the total weight")
