"""Fusion: Qdrant's RRF inside a collection (hand-built vectors), weighted RRF across collections."""

from __future__ import annotations

import uuid

import numpy as np

from llm_engineering.application.rag.collection_search import search_collection
from llm_engineering.application.rag.fusion import max_score_merge, reciprocal_rank_fusion
from llm_engineering.domain.base.vector import SparseEmbedding
from llm_engineering.domain.embedded_chunks import EmbeddedArticleChunk

AUTHOR = uuid.uuid4()


def _vector(cosine: float) -> list[float]:
    """A unit vector whose cosine with the query e0 is exactly `cosine`."""
    vector = np.zeros(384)
    vector[0], vector[1] = cosine, np.sqrt(1 - cosine**2)
    return vector.tolist()


def _chunk(name: str, cosine: float, term_weight: float | None) -> EmbeddedArticleChunk:
    sparse = SparseEmbedding(indices=[7], values=[term_weight]) if term_weight else SparseEmbedding()
    return EmbeddedArticleChunk(
        content=name,
        embedding=_vector(cosine),
        sparse_embedding=sparse,
        platform="test",
        document_id=uuid.uuid4(),
        author_id=AUTHOR,
        author_full_name="Test Author",
        link=f"https://example.org/{name}",
    )


def test_hybrid_fuses_dense_and_sparse_ranks_in_qdrant(qdrant_local) -> None:
    # dense order: A, B, C, D; lexical order: B, C, A (D has no matching term).
    EmbeddedArticleChunk.bulk_insert(
        [_chunk("A", 0.9, 0.5), _chunk("B", 0.8, 3.0), _chunk("C", 0.7, 2.0), _chunk("D", 0.6, None)]
    )
    query, lexical = _vector(1.0), SparseEmbedding(indices=[7], values=[1.0])
    dense = search_collection(EmbeddedArticleChunk, query, lexical, limit=4, mode="dense")
    hybrid = search_collection(EmbeddedArticleChunk, query, lexical, limit=4, mode="hybrid")
    assert [hit.content for hit in dense] == ["A", "B", "C", "D"]
    # B is 2nd dense and 1st lexical, so it overtakes A (1st dense, 3rd lexical); C (3rd, 2nd) stays behind A.
    assert [hit.content for hit in hybrid] == ["B", "A", "C", "D"]
    assert hybrid[0].score > hybrid[1].score > hybrid[2].score > hybrid[3].score
    assert all(hit.embedding is not None for hit in hybrid)  # the retriever weighs collections with them


def test_empty_sparse_query_falls_back_to_dense(qdrant_local) -> None:
    EmbeddedArticleChunk.bulk_insert([_chunk("A", 0.9, 0.5), _chunk("B", 0.8, 3.0)])
    hits = search_collection(EmbeddedArticleChunk, _vector(1.0), SparseEmbedding(), limit=2, mode="hybrid")
    assert [hit.content for hit in hits] == ["A", "B"]


def test_rrf_rewards_items_found_by_several_lists() -> None:
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["c", "b", "d"]], key=str, k=60)
    scores = dict(fused)
    assert scores == {"a": 1 / 61, "b": 1 / 62 + 1 / 62, "c": 1 / 63 + 1 / 61, "d": 1 / 63}
    assert [item for item, _ in fused] == ["c", "b", "a", "d"]


def test_weights_demote_a_far_collection() -> None:
    close, far = ["article-1", "article-2", "article-3"], ["holiday-post"]
    unweighted = [item for item, _ in reciprocal_rank_fusion([close, far], key=str)]
    weighted = [item for item, _ in reciprocal_rank_fusion([close, far], key=str, weights=[1.0, 0.2])]
    assert unweighted[:2] == ["article-1", "holiday-post"]  # plain RRF: every list's first hit ties
    assert weighted == ["article-1", "article-2", "article-3", "holiday-post"]


def test_dense_lists_merge_by_best_cosine() -> None:
    merged = max_score_merge([[("a", 0.9), ("b", 0.5)], [("c", 0.7), ("b", 0.8)]], key=str)
    assert merged == [("a", 0.9), ("b", 0.8), ("c", 0.7)]
