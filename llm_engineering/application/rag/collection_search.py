"""One query against one embedded collection, dense or hybrid, through the vector-store port.

Hybrid fetches the dense (`dense`, MiniLM cosine) and the lexical (`bm25`, sparse with the engine's IDF
modifier) candidates and lets the engine fuse them with reciprocal-rank fusion (k = fusion.RRF_K). The same
request works on the embedded store and on a Qdrant server.
"""

from __future__ import annotations

from typing import Literal

from llm_engineering.application.rag.fusion import RRF_K
from llm_engineering.domain.base.vector import SparseEmbedding
from llm_engineering.domain.base.vector_store import DENSE_VECTOR, Filter
from llm_engineering.domain.embedded_chunks import EmbeddedChunk

SearchMode = Literal["dense", "hybrid"]
SEARCH_MODES: tuple[SearchMode, ...] = ("dense", "hybrid")


def search_collection(
    chunk_class: type[EmbeddedChunk],
    dense: list[float],
    sparse: SparseEmbedding | None,
    limit: int,
    mode: SearchMode = "hybrid",
    query_filter: Filter | None = None,
) -> list[EmbeddedChunk]:
    """The collection's best `limit` chunks for the query, best first, each with its `score`.

    Dense: `score` is the cosine similarity. Hybrid: the RRF score, and each hit carries its dense
    `embedding` so the caller can measure how close the collection's hits are to the query.

    A query with no lexical terms (only stopwords, say) has an empty sparse vector: it searches dense only.
    """
    if mode == "hybrid" and sparse is not None and sparse.indices:
        # The dense vectors let the retriever weigh this collection against the others.
        return chunk_class.hybrid_search(dense, sparse, limit, query_filter, rrf_k=RRF_K, with_vectors=[DENSE_VECTOR])
    return chunk_class.search(dense, limit=limit, query_filter=query_filter)
