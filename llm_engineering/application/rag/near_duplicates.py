"""Near-identical hits vote as one: the same passage published twice (Medium and Substack, a newsletter
repeating last week's section, a footer in every article) is cut into chunks at other places, so exact text
equality misses it. Two hits are near-duplicates when most of the shorter one's sampled word 8-grams (its text
sketch, stored with the chunk at feature time) occur in the other's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence

from loguru import logger

from llm_engineering.application.preprocessing.text_sketch import sketch_values, text_sketch
from llm_engineering.application.rag.collection_search import Ranked

SHARED_SHARE = 0.5  # share of the shorter text's sketch found in the other one
BOILERPLATE_DOCUMENTS = 4  # one author's documents sharing a text before it counts as boilerplate

PointKey = tuple[str, str]  # (collection, point id)


def point_key(hit: Ranked) -> PointKey:
    return hit.get_collection_name(), str(hit.id)


ADD_SKETCHES_COMMAND = "python -m tools.vector_store add-text-sketches"
_told_about_missing_sketches = False


def sketch_of(hit: Ranked) -> tuple[int, ...]:
    """The stored sketch; chunks embedded before sketches existed get theirs computed now (slower: said once)."""
    global _told_about_missing_sketches
    if hit.text_sketch:
        return sketch_values(hit.text_sketch)
    if not _told_about_missing_sketches:
        _told_about_missing_sketches = True
        logger.info(f"Some chunks were stored without a text sketch; searches are faster after: {ADD_SKETCHES_COMMAND}")
    return sketch_values(text_sketch(hit.content))


def near_duplicate_keys(hits: Sequence[Ranked], keys: Sequence[PointKey] | None = None) -> dict[PointKey, Hashable]:
    """Point key -> a key shared by near-identical hits (the first such hit's point key).

    `keys`: the hits' point keys when the caller has them already (same order as `hits`).
    """
    groups: dict[PointKey, Hashable] = {}
    owner_of: dict[int, int] = {}  # sampled shingle -> index of the first representative that holds it
    representatives: list[tuple[PointKey, int]] = []  # (point key, sketch size)
    for index, hit in enumerate(hits):
        hit_key = keys[index] if keys is not None else point_key(hit)
        if hit_key in groups:
            continue
        sketch = sketch_of(hit)
        owners = [owner_of[value] for value in sketch if value in owner_of]
        match = None
        if owners:  # most hits share no sampled shingle with any earlier one: no counting for them
            match = next(
                (
                    owner
                    for owner, count in Counter(owners).most_common()
                    if count >= SHARED_SHARE * min(len(sketch), representatives[owner][1])
                ),
                None,
            )
        if match is not None:
            groups[hit_key] = representatives[match][0]
            continue
        position = len(representatives)
        representatives.append((hit_key, len(sketch)))
        for value in sketch:
            owner_of.setdefault(value, position)
        groups[hit_key] = hit_key
    return groups


def boilerplate_keys(
    hits: Sequence[Ranked], keys: dict[PointKey, Hashable], min_documents: int = BOILERPLATE_DOCUMENTS
) -> set[Hashable]:
    """Keys whose near-identical texts come from `min_documents` or more documents of one author.

    A course introduction or a newsletter footer standing in many articles answers no question; the same
    article published twice (two documents) is not boilerplate.
    """
    documents: dict[tuple[Hashable, str], set[str]] = {}
    for hit in hits:
        group = (keys[point_key(hit)], str(hit.author_id))
        documents.setdefault(group, set()).add(str(hit.document_id))
    return {key for (key, _), found in documents.items() if len(found) >= min_documents}
