"""Fusion: each collection's dense and lexical candidates (hand-built vectors), RRF, DBSF, document aggregation."""

from __future__ import annotations

import uuid

import numpy as np
import pytest

from llm_engineering.application.preprocessing.text_sketch import text_sketch
from llm_engineering.application.rag.collection_search import read_whole, search_collection
from llm_engineering.application.rag.fusion import (
    distribution_fusion,
    document_aggregation,
    max_score_merge,
    reciprocal_rank_fusion,
)
from llm_engineering.application.rag.near_duplicates import boilerplate_keys, near_duplicate_keys
from llm_engineering.domain.base.vector import SparseEmbedding, ids_filter
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


def test_collection_search_gives_dense_cosines_and_bm25_scores(qdrant_local) -> None:
    # dense order: A, B, C, D; lexical order: B, C, A (D has no matching term).
    EmbeddedArticleChunk.bulk_insert(
        [_chunk("A", 0.9, 0.5), _chunk("B", 0.8, 3.0), _chunk("C", 0.7, 2.0), _chunk("D", 0.6, None)]
    )
    query, lexical = _vector(1.0), SparseEmbedding(indices=[7], values=[1.0])
    dense = search_collection(EmbeddedArticleChunk, query, lexical, limit=4, mode="dense")
    hybrid = search_collection(EmbeddedArticleChunk, query, lexical, limit=4, mode="hybrid")
    assert [hit.content for hit in dense.dense] == ["A", "B", "C", "D"] and dense.lexical == []
    assert [round(hit.dense_score, 6) for hit in hybrid.dense] == [0.9, 0.8, 0.7, 0.6]
    assert [hit.content for hit in hybrid.lexical] == ["B", "C", "A"]  # D shares no term: not a candidate
    assert hybrid.lexical_complete
    scores = [hit.lexical_score for hit in hybrid.lexical]
    assert scores[0] > scores[1] > scores[2] > 0


def test_candidates_are_light_and_only_answers_are_read_whole(qdrant_local) -> None:
    chunks = [_chunk("A", 0.9, 0.5), _chunk("B", 0.8, 3.0), _chunk("C", 0.7, 2.0)]
    for chunk in chunks[:2]:
        chunk.text_sketch = text_sketch(chunk.content)
    # C was stored before sketches existed: its text is read, for near-duplicate grouping.
    EmbeddedArticleChunk.bulk_insert(chunks)
    found = search_collection(EmbeddedArticleChunk, _vector(1.0), SparseEmbedding(indices=[7], values=[1.0]), 3)
    assert [(c.content, c.document_id) for c in found.dense] == [
        (None, str(chunks[0].document_id)),
        (None, str(chunks[1].document_id)),
        ("C", str(chunks[2].document_id)),
    ]
    found.dense[0].score = 0.42
    EmbeddedArticleChunk.delete(ids_filter([chunks[1].id]))  # deleted between the search and the reading
    whole = read_whole(found.dense)
    assert [hit.content for hit in whole] == ["A", "C"]  # order kept, the deleted one left out
    assert whole[0].score == 0.42 and round(whole[0].dense_score, 6) == 0.9 and whole[0].lexical_score > 0
    assert whole[0].link == "https://example.org/A"  # a validated chunk, every field read


def test_empty_sparse_query_searches_dense_only(qdrant_local) -> None:
    EmbeddedArticleChunk.bulk_insert([_chunk("A", 0.9, 0.5), _chunk("B", 0.8, 3.0)])
    found = search_collection(EmbeddedArticleChunk, _vector(1.0), SparseEmbedding(), limit=2, mode="hybrid")
    assert [hit.content for hit in found.dense] == ["A", "B"] and found.lexical == []


def test_distribution_fusion_keeps_a_clear_winners_margin() -> None:
    dense = [("a", 0.80), ("b", 0.50), ("c", 0.49), ("d", 0.48)]
    lexical = [("b", 10.0), ("c", 9.9), ("a", 9.8), ("d", 1.0)]
    fused = distribution_fusion([dense, lexical], key=str)
    assert [item for item, _ in fused][0] == "a"  # far ahead in dense, level with b and c in lexical
    # RRF only sees ranks: b (2nd, 1st) beats a (1st, 3rd).
    assert reciprocal_rank_fusion([[i for i, _ in dense], [i for i, _ in lexical]], key=str)[0][0] == "b"
    assert all(0.0 <= score <= 2.0 for _, score in fused)


def test_document_aggregation_ranks_documents_by_more_than_one_chunk() -> None:
    ranked = [("x1", 0.50), ("y1", 0.49), ("y2", 0.45), ("x2", 0.10)]
    aggregated = document_aggregation(ranked, document=lambda item: item[0], decay=0.5)
    assert [item for item, _ in aggregated] == ["y1", "x1", "y2", "x2"]  # y: 0.49 + 0.5 * 0.45 > x: 0.55
    assert dict(aggregated)["y1"] == pytest.approx(0.49 + 0.5 * 0.45)
    assert dict(aggregated)["y2"] == 0.45  # further chunks keep their own scores
    assert document_aggregation(ranked, document=lambda item: item[0], decay=0.0) == ranked


def test_near_identical_texts_in_one_list_vote_once() -> None:
    fused = dict(reciprocal_rank_fusion([["a", "a-copy", "b"]], key=lambda item: item[0]))
    assert fused == {"a": 1 / 61, "b": 1 / 63}


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


def test_near_duplicate_keys_join_copies_cut_at_other_places() -> None:
    text = " ".join(f"word{n}" for n in range(60))
    copy = "Published on Medium. " + " ".join(f"word{n}" for n in range(5, 60))  # other chunk edges
    other = " ".join(f"other{n}" for n in range(60))
    hits = [_chunk(text, 0.9, 1.0), _chunk(copy, 0.8, 1.0), _chunk(other, 0.7, 1.0)]
    keys = near_duplicate_keys(hits)
    first, second, third = (keys[(hit.get_collection_name(), str(hit.id))] for hit in hits)
    assert first == second and third != first


def test_a_text_in_many_documents_of_one_author_is_boilerplate() -> None:
    footer = " ".join(f"subscribe{n}" for n in range(40))
    copies = [_chunk(footer, 0.5, 1.0) for _ in range(4)]  # four articles, one author, each its own document
    twice = [_chunk("the same article " * 10, 0.6, 1.0) for _ in range(2)]  # Medium and Substack
    hits = copies + twice
    keys = near_duplicate_keys(hits)
    repeated = boilerplate_keys(hits, keys)
    assert repeated == {keys[(copies[0].get_collection_name(), str(copies[0].id))]}
