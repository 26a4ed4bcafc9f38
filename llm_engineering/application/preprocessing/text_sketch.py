"""A chunk's text sketch: a sample of its word 8-gram hashes, computed once at feature time and stored with the
chunk, so that the retriever can tell near-identical passages apart without re-reading their texts.

Shingles are kept when their (stable, CRC32) hash is a multiple of SAMPLE_EVERY: a text contained in another
keeps its sampled shingles contained too, so the share of shared samples estimates the share of shared text.
Stored as one hex string (8 digits a value): a payload string costs the store far less than a list of numbers.
"""

from __future__ import annotations

import re
import struct
import zlib

SHINGLE_WORDS = 8
SAMPLE_EVERY = 8  # about an eighth of a chunk's shingles: ~25 values for a full 256-token chunk

_WORD = re.compile(r"\w+")


def text_sketch(text: str) -> str:
    """The sampled shingle hashes of `text`, sorted, as hex; never empty for a text with words (its smallest hash
    stands in when no shingle is sampled)."""
    words = _WORD.findall(text.casefold())
    if not words:
        return ""
    grams = (
        [" ".join(words)]
        if len(words) < SHINGLE_WORDS
        else [" ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)]
    )
    hashes = {zlib.crc32(gram.encode("utf-8")) for gram in grams}
    sampled = sorted(value for value in hashes if value % SAMPLE_EVERY == 0) or [min(hashes)]
    return struct.pack(f">{len(sampled)}I", *sampled).hex()


def sketch_values(sketch: str) -> tuple[int, ...]:
    """The numbers of a stored sketch."""
    raw = bytes.fromhex(sketch)
    return struct.unpack(f">{len(raw) // 4}I", raw)
