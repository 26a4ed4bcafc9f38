"""A Bloom filter: no false negatives, a bounded rate of false positives."""

from __future__ import annotations

import hashlib
import math


class BloomFilter:
    def __init__(self, bits: int, hashes: int) -> None:
        if bits < 1 or hashes < 1:
            raise ValueError("a Bloom filter needs at least one bit and one hash")
        self.bits = bits
        self.hashes = hashes
        self.count = 0
        self._array = bytearray((bits + 7) // 8)

    @classmethod
    def for_capacity(cls, capacity: int, false_positive_rate: float) -> BloomFilter:
        """Optimal size for `capacity` items at the given false positive rate."""
        bits = math.ceil(-capacity * math.log(false_positive_rate) / math.log(2) ** 2)
        hashes = max(1, round(bits / capacity * math.log(2)))
        return cls(bits, hashes)

    def _positions(self, item: str) -> list[int]:
        digest = hashlib.blake2b(item.encode("utf-8"), digest_size=16).digest()
        first = int.from_bytes(digest[:8], "little")
        second = int.from_bytes(digest[8:], "little") | 1  # odd, so the steps cover every bit
        return [(first + i * second) % self.bits for i in range(self.hashes)]

    def add(self, item: str) -> None:
        for position in self._positions(item):
            self._array[position // 8] |= 1 << (position % 8)
        self.count += 1

    def __contains__(self, item: str) -> bool:
        return all(self._array[p // 8] & (1 << (p % 8)) for p in self._positions(item))
