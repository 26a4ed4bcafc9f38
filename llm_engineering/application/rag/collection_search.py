"""One query against one embedded collection: its dense and its lexical candidates, through the ODM.

Dense hits carry their cosine similarity, lexical hits their BM25 score (saturated term frequencies stored
with the chunk, IDF applied by the vector store). Fusing them is the retriever's job (fusion.py), so every
fused hit can show both of the scores it was ranked by.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from llm_engineering.domain.base.vector import SparseEmbedding
from llm_engineering.domain.base.vector_store import Filter
from llm_engineering.domain.embedded_chunks import EmbeddedChunk

# Lexical candidates fetched per collection: a BM25 search scores every chunk that shares a term anyway, and a
# deep list gives most fused hits their lexical score without a second search.
LEXICAL_DEPTH = 100

SearchMode = Literal["dense", "hybrid"]
SEARCH_MODES: tuple[SearchMode, ...] = ("dense", "hybrid")


@dataclass
class Candidates:
    """A collection's best chunks for one query, by each signal, best first.

    A chunk found by both signals is one object in both lists, carrying both scores. `lexical_scores` holds the
    BM25 score of every chunk of the deep lexical list (by point id), payload or not.
    """

    dense: list[EmbeddedChunk] = field(default_factory=list)
    lexical: list[EmbeddedChunk] = field(default_factory=list)
    lexical_scores: dict[str, float] = field(default_factory=dict)
    lexical_complete: bool = True  # every chunk that shares a term with the query is in `lexical_scores`


def search_collection(
    chunk_class: type[EmbeddedChunk],
    dense: list[float],
    sparse: SparseEmbedding | None,
    limit: int,
    mode: SearchMode = "hybrid",
    query_filter: Filter | None = None,
) -> Candidates:
    """Dense candidates always; lexical ones in hybrid mode when the query has terms (not only stopwords).

    The lexical ranking goes LEXICAL_DEPTH deep (at least) as ids and scores only: one shorter than that holds
    every chunk sharing a term. Only its first `limit` chunks are read whole (those the dense list lacks).
    """
    found = Candidates(dense=chunk_class.search(dense, limit=limit, query_filter=query_filter))
    for hit in found.dense:
        hit.dense_score = hit.score
    if mode != "hybrid" or sparse is None or not sparse.indices:
        return found
    depth = max(limit, LEXICAL_DEPTH)
    ranked = chunk_class.search_sparse_scores(sparse, limit=depth, query_filter=query_filter)
    found.lexical_complete = len(ranked) < depth
    found.lexical_scores = dict(ranked)
    dense_ids = [str(hit.id) for hit in found.dense]
    by_id = dict(zip(dense_ids, found.dense, strict=True))
    missing = [point_id for point_id, _ in ranked[:limit] if point_id not in by_id]
    by_id.update((str(hit.id), hit) for hit in chunk_class.retrieve(missing))  # the ones still there
    for point_id, hit in by_id.items():
        hit.lexical_score = found.lexical_scores.get(point_id)
    # A point deleted between the two requests is simply left out.
    found.lexical = [by_id[point_id] for point_id, _ in ranked[:limit] if point_id in by_id]
    return found
