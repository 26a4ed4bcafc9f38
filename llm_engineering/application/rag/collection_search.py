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
    """A collection's best chunks for one query, by each signal, best first (`score` set on each hit)."""

    dense: list[EmbeddedChunk] = field(default_factory=list)
    lexical: list[EmbeddedChunk] = field(default_factory=list)
    lexical_complete: bool = True  # every chunk that shares a term with the query is in `lexical`


def search_collection(
    chunk_class: type[EmbeddedChunk],
    dense: list[float],
    sparse: SparseEmbedding | None,
    limit: int,
    mode: SearchMode = "hybrid",
    query_filter: Filter | None = None,
) -> Candidates:
    """Dense candidates always; lexical ones in hybrid mode when the query has terms (not only stopwords).

    Lexical lists go LEXICAL_DEPTH deep (at least): one shorter than that holds every chunk sharing a term.
    """
    found = Candidates(dense=chunk_class.search(dense, limit=limit, query_filter=query_filter))
    for hit in found.dense:
        hit.dense_score = hit.score
    if mode == "hybrid" and sparse is not None and sparse.indices:
        depth = max(limit, LEXICAL_DEPTH)
        found.lexical = chunk_class.search_sparse(sparse, limit=depth, query_filter=query_filter)
        found.lexical_complete = len(found.lexical) < depth
        for hit in found.lexical:
            hit.lexical_score = hit.score
    return found
