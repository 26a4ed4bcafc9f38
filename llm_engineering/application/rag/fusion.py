"""Merging ranked lists of hits into one ranking (pure functions, no I/O).

The retriever searches each collection twice (dense cosine, BM25) and fuses the two rankings here:
- reciprocal-rank fusion: an item earns weight / (RRF_K + rank) from each list it is in;
- distribution-based score fusion: each list's scores are mapped onto [0, 1] by their own spread
  (mean +- `sigmas` standard deviations, clipped), then summed with weights, so a clear winner in one list
  keeps its margin.
Dense cosines are comparable across collections, so dense lists merge by their best score first.
Then optionally document-level aggregation: a document's best chunk is scored by itself plus a decayed share
of the document's next best chunks.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

T = TypeVar("T")

# The one RRF constant of the project: the usual constant of the RRF paper. It damps the gap between the
# first ranks of each list, so an item both lists place near the top beats the top of only one.
RRF_K = 60
# Distribution-based fusion's usual spread (mean +- 3 sigma); the retriever chooses its own (RetrievalOptions).
DBSF_SIGMAS = 3.0


def reciprocal_rank_fusion(
    ranked_lists: Sequence[Sequence[T]],
    key: Callable[[T], Hashable],
    weights: Sequence[float] | None = None,
    k: int = RRF_K,
) -> list[tuple[T, float]]:
    """Items of all lists ordered by their summed (weighted) reciprocal ranks (ties: earliest first seen).

    `key(item)` identifies an item across lists; the first occurrence is the one returned.
    """
    if weights is not None and len(weights) != len(ranked_lists):
        raise ValueError(f"{len(weights)} weights for {len(ranked_lists)} ranked lists")
    scores: dict[Hashable, float] = {}
    first: dict[Hashable, T] = {}
    for index, ranked in enumerate(ranked_lists):
        weight = 1.0 if weights is None else max(0.0, weights[index])
        seen: set[Hashable] = set()
        for rank, item in enumerate(ranked, start=1):
            item_key = key(item)
            if item_key in seen:  # two near-identical texts in one list: the better rank votes once
                continue
            seen.add(item_key)
            first.setdefault(item_key, item)
            scores[item_key] = scores.get(item_key, 0.0) + weight / (k + rank)
    order = sorted(scores, key=lambda item_key: scores[item_key], reverse=True)  # stable: ties keep first-seen order
    return [(first[item_key], scores[item_key]) for item_key in order]


def distribution_fusion(
    scored_lists: Sequence[Sequence[tuple[T, float]]],
    key: Callable[[T], Hashable],
    weights: Sequence[float] | None = None,
    sigmas: float = DBSF_SIGMAS,
) -> list[tuple[T, float]]:
    """Items ordered by the weighted sum of their scores, each list normalised by mean +- `sigmas` standard
    deviations to [0, 1] (a narrower spread widens the gaps inside it and clips what lies beyond to 0 or 1)."""
    if weights is not None and len(weights) != len(scored_lists):
        raise ValueError(f"{len(weights)} weights for {len(scored_lists)} scored lists")
    scores: dict[Hashable, float] = {}
    first: dict[Hashable, T] = {}
    for index, scored in enumerate(scored_lists):
        if not scored:
            continue
        weight = 1.0 if weights is None else max(0.0, weights[index])
        values = [score for _, score in scored]
        # Plain float arithmetic: the statistics module computes exactly (fractions), too slow per search.
        mean = math.fsum(values) / len(values)
        spread = math.sqrt(math.fsum((value - mean) ** 2 for value in values) / len(values))
        low, high = mean - sigmas * spread, mean + sigmas * spread
        best: dict[Hashable, float] = {}
        for item, score in scored:
            item_key = key(item)
            first.setdefault(item_key, item)
            normalised = 1.0 if high <= low else min(1.0, max(0.0, (score - low) / (high - low)))
            best[item_key] = max(best.get(item_key, 0.0), normalised)
        for item_key, normalised in best.items():
            scores[item_key] = scores.get(item_key, 0.0) + weight * normalised
    order = sorted(scores, key=lambda item_key: scores[item_key], reverse=True)
    return [(first[item_key], scores[item_key]) for item_key in order]


def max_score_merge(
    scored_lists: Sequence[Sequence[tuple[T, float]]], key: Callable[[T], Hashable]
) -> list[tuple[T, float]]:
    """Items of all lists ordered by their best score (for comparable scores such as cosine)."""
    best: dict[Hashable, tuple[T, float]] = {}
    for scored in scored_lists:
        for item, score in scored:
            item_key = key(item)
            if item_key not in best or score > best[item_key][1]:
                best[item_key] = (item, score)
    return sorted(best.values(), key=lambda pair: pair[1], reverse=True)


def document_aggregation(
    ranked: Sequence[tuple[T, float]], document: Callable[[T], Hashable], decay: float, depth: int = 3
) -> list[tuple[T, float]]:
    """Each document's best chunk scores best + decay * second + decay^2 * third...; other chunks keep theirs.

    So documents rank by more than their single best chunk, and a document's further chunks do not crowd out
    the best chunks of the next documents.
    """
    if decay <= 0:
        return list(ranked)
    by_document: dict[Hashable, list[float]] = {}
    for item, score in ranked:
        by_document.setdefault(document(item), []).append(score)
    rescored, seen = [], set()
    for item, score in ranked:
        doc = document(item)
        if doc not in seen:
            seen.add(doc)
            scores = sorted(by_document[doc], reverse=True)[:depth]
            score = sum(value * decay**position for position, value in enumerate(scores))
        rescored.append((item, score))
    return sorted(rescored, key=lambda pair: pair[1], reverse=True)
