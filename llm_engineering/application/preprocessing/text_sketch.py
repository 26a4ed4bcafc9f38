"""A chunk's text sketch: a sample of its word 8-gram hashes, computed once at feature time and stored with the
chunk, so that the retriever can tell near-identical passages apart without re-reading their texts.

Shingles are kept when their (stable, CRC32) hash is a multiple of SAMPLE_EVERY: a text contained in another
keeps its sampled shingles contained too, so the share of shared shingles estimates the share of shared text.
"""

from __future__ import annotations

import re
import zlib

SHINGLE_WORDS = 8
SAMPLE_EVERY = 4  # about a quarter of a chunk's shingles: ~50 numbers for a full 256-token chunk

_WORD = re.compile(r"\w+")


def text_sketch(text: str) -> list[int]:
    """Sorted sampled shingle hashes of `text`; never empty for a text with words (its smallest hash stands in)."""
    words = _WORD.findall(text.casefold())
    if not words:
        return []
    grams = (
        [" ".join(words)]
        if len(words) < SHINGLE_WORDS
        else [" ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)]
    )
    hashes = {zlib.crc32(gram.encode("utf-8")) for gram in grams}
    sampled = sorted(value for value in hashes if value % SAMPLE_EVERY == 0)
    return sampled or [min(hashes)]
