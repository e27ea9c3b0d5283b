"""The seeded random source: every id, secret and generated value comes from here."""

from __future__ import annotations

import hashlib
import random
import string
from functools import partial

from simulator.core import undo

_SECRET_ALPHABET = string.ascii_letters + string.digits + "-_"
_UUID4_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))  # version and variant bits
_UUID4_SET = (4 << 76) | (0x8000 << 48)  # version 4, RFC 4122 variant


class RandomSource:
    """A seeded stream of ids and values; `child(name)` derives an independent stream.

    Derived streams let each virtual device draw from its own sequence, so adding a device
    does not change the values another device produces.
    """

    def __init__(self, seed: int | str = 0) -> None:
        self.seed = seed
        self.rng = random.Random(str(seed))

    def _drawing(self) -> None:
        """Inside a transaction the stream's position is kept before its first draw: a rollback
        rewinds it, so a failed request does not shift the ids of later ones (core/undo.py)."""
        txn = undo.current()
        if txn is not None and id(self) not in txn.restorers:
            txn.restorers[id(self)] = (self, partial(self.rng.setstate, self.rng.getstate()))

    def uuid(self) -> str:
        """What `str(uuid.UUID(int=<128 random bits>, version=4))` gives, without the UUID object (~3x faster)."""
        self._drawing()
        bits = (self.rng.getrandbits(128) & _UUID4_CLEAR) | _UUID4_SET
        h = f"{bits:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def secret(self, length: int = 16) -> str:
        self._drawing()
        return "".join(self.rng.choice(_SECRET_ALPHABET) for _ in range(length))

    def token_hex(self, nbytes: int = 32) -> str:
        self._drawing()
        return self.rng.getrandbits(nbytes * 8).to_bytes(nbytes, "big").hex()

    def random(self) -> float:
        self._drawing()
        return self.rng.random()

    def uniform(self, low: float, high: float) -> float:
        self._drawing()
        return self.rng.uniform(low, high)

    def child(self, name: str) -> RandomSource:
        digest = hashlib.sha256(f"{self.seed}/{name}".encode()).hexdigest()
        return RandomSource(digest)
