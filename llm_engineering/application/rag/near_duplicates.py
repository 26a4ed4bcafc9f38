"""Near-identical hits vote as one: the same passage published twice (Medium and Substack, a newsletter
repeating last week's section, a footer in every article) is cut into chunks at other places, so exact text
equality misses it. Two hits are near-duplicates when most word 8-grams of the shorter one occur in the other.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Sequence

from llm_engineering.domain.embedded_chunks import EmbeddedChunk

SHINGLE_WORDS = 8
SHARED_SHARE = 0.5  # share of the shorter text's shingles found in the other one
BOILERPLATE_DOCUMENTS = 4  # one author's documents sharing a text before it counts as boilerplate


def _shingles(text: str) -> set[int]:
    words = re.findall(r"\w+", text.casefold())
    if len(words) < SHINGLE_WORDS:
        return {hash(" ".join(words))}
    return {hash(" ".join(words[i : i + SHINGLE_WORDS])) for i in range(len(words) - SHINGLE_WORDS + 1)}


def near_duplicate_keys(hits: Sequence[EmbeddedChunk]) -> dict[tuple[str, str], Hashable]:
    """(collection, chunk id) -> a key shared by near-identical hits (the first such hit's id)."""
    keys: dict[tuple[str, str], Hashable] = {}
    owner_of: dict[int, int] = {}  # shingle -> index of the first representative that holds it
    representatives: list[tuple[tuple[str, str], int]] = []  # (key, shingle count)
    for hit in hits:
        hit_key = (hit.get_collection_name(), str(hit.id))
        if hit_key in keys:
            continue
        shingles = _shingles(hit.content)
        shared: dict[int, int] = {}
        for shingle in shingles:
            owner = owner_of.get(shingle)
            if owner is not None:
                shared[owner] = shared.get(owner, 0) + 1
        match = next(
            (
                owner
                for owner, count in sorted(shared.items(), key=lambda pair: -pair[1])
                if count >= SHARED_SHARE * min(len(shingles), representatives[owner][1])
            ),
            None,
        )
        if match is not None:
            keys[hit_key] = representatives[match][0]
            continue
        index = len(representatives)
        representatives.append((hit_key, len(shingles)))
        for shingle in shingles:
            owner_of.setdefault(shingle, index)
        keys[hit_key] = hit_key
    return keys


def boilerplate_keys(
    hits: Sequence[EmbeddedChunk], keys: dict[tuple[str, str], Hashable], min_documents: int = BOILERPLATE_DOCUMENTS
) -> set[Hashable]:
    """Keys whose near-identical texts come from `min_documents` or more documents of one author.

    A course introduction or a newsletter footer standing in many articles answers no question; the same
    article published twice (two documents) is not boilerplate.
    """
    documents: dict[tuple[Hashable, str], set[str]] = {}
    for hit in hits:
        group = (keys[(hit.get_collection_name(), str(hit.id))], str(hit.author_id))
        documents.setdefault(group, set()).add(str(hit.document_id))
    return {key for (key, _), found in documents.items() if len(found) >= min_documents}
