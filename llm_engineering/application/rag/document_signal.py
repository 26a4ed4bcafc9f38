"""Document-level dense signal: how close a whole document is to the question, not only its best passage.

"The article about X" is about X from start to end; a passage elsewhere may name X once. For the top
documents of the fused ranking, all their chunks' stored vectors are read (one filtered dense search per
collection) and the document is scored by the cosine between the question and the mean of its chunk vectors
(its centroid). Those cosines are spread onto [0, 1] by their own mean +- 3 standard deviations (as
distribution-based fusion does) and `weight` x that value is added to each document's best chunk.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

import numpy as np

from llm_engineering.application.rag.collection_search import Ranked, chunk_class_of
from llm_engineering.domain.base.vector import field_in_filter
from llm_engineering.domain.embedded_chunks import EmbeddedChunk

T = TypeVar("T", bound=Ranked)

# Chunks read per document at most: a long document's centroid is well estimated by its best 64 chunks.
CHUNKS_PER_DOCUMENT = 64


def document_scores(documents: dict[type[EmbeddedChunk], list[str]], query: Sequence[float]) -> dict[str, float]:
    """Cosine between the question and each document's centroid (mean of its chunks' vectors), by document id."""
    vector = np.asarray(query, dtype=np.float32)
    vector = vector / max(float(np.linalg.norm(vector)), 1e-12)
    scores: dict[str, float] = {}
    for chunk_class, ids in documents.items():
        chunks = chunk_class.search(
            vector.tolist(),
            limit=CHUNKS_PER_DOCUMENT * len(ids),
            query_filter=field_in_filter("document_id", ids),
            with_vectors=True,
        )
        by_document: dict[str, list[np.ndarray]] = {}
        for chunk in chunks:
            if chunk.embedding is not None:
                stored = np.asarray(chunk.embedding, dtype=np.float32)
                by_document.setdefault(str(chunk.document_id), []).append(
                    stored / max(float(np.linalg.norm(stored)), 1e-12)
                )
        for document, vectors in by_document.items():
            centroid = np.mean(np.stack(vectors), axis=0)
            scores[document] = float(vector @ centroid) / max(float(np.linalg.norm(centroid)), 1e-12)
    return scores


def document_boost(
    ranked: Sequence[tuple[T, float]],
    query: Sequence[float],
    weight: float,
    depth: int,
    document: Callable[[T], Hashable] = lambda hit: str(hit.document_id),
) -> list[tuple[T, float]]:
    """The best chunk of each of the top `depth` documents gains `weight` x its document's spread cosine."""
    if weight <= 0 or depth <= 0:
        return list(ranked)
    top: dict[Hashable, T] = {}
    for hit, _ in ranked:
        if len(top) >= depth:
            break
        top.setdefault(document(hit), hit)
    wanted: dict[type[EmbeddedChunk], list[str]] = {}
    for hit in top.values():
        wanted.setdefault(chunk_class_of(hit), []).append(str(hit.document_id))
    scores = document_scores(wanted, query)
    spread = _spread(scores)
    best_chunks = {id(hit) for hit in top.values()}
    rescored = [
        (hit, score + weight * spread.get(str(hit.document_id), 0.0) if id(hit) in best_chunks else score)
        for hit, score in ranked
    ]
    return sorted(rescored, key=lambda pair: pair[1], reverse=True)


def _spread(scores: dict[str, float]) -> dict[str, float]:
    """Each score onto [0, 1] by mean +- 3 standard deviations of all of them."""
    if not scores:
        return {}
    values = list(scores.values())
    mean = math.fsum(values) / len(values)
    sigma = math.sqrt(math.fsum((value - mean) ** 2 for value in values) / len(values))
    low, high = mean - 3 * sigma, mean + 3 * sigma
    return {key: 1.0 if high <= low else min(1.0, max(0.0, (v - low) / (high - low))) for key, v in scores.items()}
