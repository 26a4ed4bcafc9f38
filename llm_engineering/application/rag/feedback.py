"""Dense pseudo-relevance feedback (Rocchio), over the candidates already found.

The first fused ranking is mostly right at its top, and its best passages say more about what was asked than
the question's few words. So the question's vector moves towards them, q' = q + weight x (mean of the stored
vectors of the top `depth` passages of distinct documents), and the dense candidates are ranked again by
their similarity with q'; then the fusion runs again. No second search (a whole-pool variant, lexical-only
hits scored by their stored vectors too, measured worse). Hits keep their cosine with the question itself
as `dense_score`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import numpy as np

from llm_engineering.application.rag.collection_search import Ranked, stored_vectors

T = TypeVar("T", bound=Ranked)


def rocchio_query(query: Sequence[float], feedback: Sequence[np.ndarray], weight: float) -> np.ndarray:
    """Normalised q + weight x mean(feedback) (its scale does not change a ranking)."""
    vector = np.asarray(query, dtype=np.float32)
    vector = vector / max(float(np.linalg.norm(vector)), 1e-12)
    if len(feedback) and weight > 0:
        vector = vector + weight * np.mean(np.stack(feedback), axis=0)
    return vector


def feedback_ranking(
    fused: Sequence[tuple[T, float]],
    dense: Sequence[tuple[T, float]],
    query: Sequence[float],
    weight: float,
    depth: int,
) -> list[tuple[T, float]]:
    """The `dense` candidates ranked by similarity with the Rocchio vector built from the top of `fused`.

    Feedback passages belong to distinct documents: a document's second chunk would only pull harder towards
    the same document.
    """
    feedback_hits: list[T] = []
    documents: set[str] = set()
    for hit, _ in fused:
        if len(feedback_hits) >= depth:
            break
        if str(hit.document_id) not in documents:
            documents.add(str(hit.document_id))
            feedback_hits.append(hit)
    candidates = [hit for hit, _ in dense]
    vectors = stored_vectors([*candidates, *feedback_hits])
    moved = rocchio_query(query, [vectors[id(hit)] for hit in feedback_hits if id(hit) in vectors], weight)
    scored = [(hit, float(moved @ vectors[id(hit)])) for hit in candidates if id(hit) in vectors]
    return sorted(scored, key=lambda pair: pair[1], reverse=True)
