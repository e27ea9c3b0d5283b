"""The seeded random source: every id, secret and generated value comes from here."""

from __future__ import annotations

import hashlib
import random
import string
import uuid

_SECRET_ALPHABET = string.ascii_letters + string.digits + "-_"


class RandomSource:
    """A seeded stream of ids and values; `child(name)` derives an independent stream.

    Derived streams let each virtual device draw from its own sequence, so adding a device
    does not change the values another device produces.
    """

    def __init__(self, seed: int | str = 0) -> None:
        self.seed = seed
        self.rng = random.Random(str(seed))

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def secret(self, length: int = 16) -> str:
        return "".join(self.rng.choice(_SECRET_ALPHABET) for _ in range(length))

    def token_hex(self, nbytes: int = 32) -> str:
        return self.rng.getrandbits(nbytes * 8).to_bytes(nbytes, "big").hex()

    def random(self) -> float:
        return self.rng.random()

    def uniform(self, low: float, high: float) -> float:
        return self.rng.uniform(low, high)

    def child(self, name: str) -> RandomSource:
        digest = hashlib.sha256(f"{self.seed}/{name}".encode()).hexdigest()
        return RandomSource(digest)
