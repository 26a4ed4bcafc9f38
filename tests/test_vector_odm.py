"""The Qdrant ODM against real qdrant-client local mode."""

from __future__ import annotations

import uuid

import numpy as np
import pytest
from qdrant_client import models

from llm_engineering.domain.base.vector import (
    DENSE_VECTOR,
    SPARSE_VECTOR,
    SparseEmbedding,
    VectorBaseDocument,
    author_filter,
)
from llm_engineering.domain.cleaned_documents import CleanedArticleDocument
from llm_engineering.domain.embedded_chunks import EmbeddedArticleChunk, EmbeddedRepositoryChunk
from llm_engineering.domain.types import DataCategory

AUTHOR_A = uuid.uuid4()
AUTHOR_B = uuid.uuid4()


def unit(seed: int) -> list[float]:
    vector = np.random.default_rng(seed).normal(size=384)
    return (vector / np.linalg.norm(vector)).tolist()


def chunk(n: int, author: uuid.UUID, vector: list[float] | None = None) -> EmbeddedArticleChunk:
    return EmbeddedArticleChunk(
        content=f"chunk {n}",
        embedding=vector or unit(n),
        sparse_embedding=SparseEmbedding(indices=[n % 50 + 1], values=[1.0]),
        platform="example.org",
        document_id=uuid.uuid4(),
        chunk_index=n,
        author_id=author,
        author_full_name="A" if author == AUTHOR_A else "B",
        link=f"https://example.org/{n}",
    )


def test_collection_is_created_with_dense_and_sparse_vectors(qdrant_local) -> None:
    EmbeddedArticleChunk.bulk_insert([chunk(1, AUTHOR_A)])
    info = EmbeddedArticleChunk.client().get_collection("embedded_articles")
    dense = info.config.params.vectors[DENSE_VECTOR]
    assert dense.size == 384 and dense.distance == models.Distance.COSINE
    assert SPARSE_VECTOR in info.config.params.sparse_vectors


def test_round_trip_with_vectors(qdrant_local) -> None:
    original = chunk(7, AUTHOR_A)
    EmbeddedArticleChunk.bulk_insert([original])
    (found,), next_offset = EmbeddedArticleChunk.bulk_find(with_vectors=True)
    assert next_offset is None
    assert found.id == original.id and found.document_id == original.document_id
    assert np.allclose(found.embedding, original.embedding, atol=1e-6)
    assert found.sparse_embedding == original.sparse_embedding
    assert found.model_dump(exclude={"embedding", "score"}) == original.model_dump(exclude={"embedding", "score"})


def test_reinsert_same_ids_does_not_duplicate(qdrant_local) -> None:
    chunks = [chunk(n, AUTHOR_A) for n in range(20)]
    EmbeddedArticleChunk.bulk_insert(chunks)
    EmbeddedArticleChunk.bulk_insert(chunks)
    assert EmbeddedArticleChunk.client().count("embedded_articles").count == 20


def test_existing_collection_is_not_recreated(qdrant_local) -> None:
    EmbeddedArticleChunk.bulk_insert([chunk(1, AUTHOR_A)])
    EmbeddedArticleChunk.bulk_insert([chunk(2, AUTHOR_A)])  # must not drop what the first call wrote
    assert EmbeddedArticleChunk.client().count("embedded_articles").count == 2


def test_scroll_pages_over_many_pages(qdrant_local) -> None:
    chunks = [chunk(n, AUTHOR_A if n % 2 else AUTHOR_B) for n in range(700)]
    EmbeddedArticleChunk.bulk_insert(chunks, batch_size=128)
    page, offset = EmbeddedArticleChunk.bulk_find(limit=100)
    assert len(page) == 100 and offset is not None
    streamed = list(EmbeddedArticleChunk.iter_all(page_size=64))
    assert {c.id for c in streamed} == {c.id for c in chunks}


def test_search_with_author_filter(qdrant_local) -> None:
    target = unit(1000)
    near_b = chunk(1, AUTHOR_B, vector=target)
    near_a = chunk(2, AUTHOR_A, vector=(np.array(target) + 0.05 * np.array(unit(5))).tolist())
    EmbeddedArticleChunk.bulk_insert([near_b, near_a] + [chunk(n, AUTHOR_A) for n in range(10, 40)])
    best = EmbeddedArticleChunk.search(target, limit=3)
    assert best[0].id == near_b.id and best[0].score == pytest.approx(1.0, abs=1e-5)
    assert best[0].score >= best[1].score >= best[2].score
    only_a = EmbeddedArticleChunk.search(target, limit=5, query_filter=author_filter(AUTHOR_A))
    assert only_a[0].id == near_a.id
    assert {c.author_id for c in only_a} == {AUTHOR_A}


def test_search_on_missing_collection_is_empty(qdrant_local) -> None:
    assert EmbeddedRepositoryChunk.search(unit(1), limit=3) == []


def test_delete_by_filter(qdrant_local) -> None:
    EmbeddedArticleChunk.bulk_insert([chunk(n, AUTHOR_A if n < 5 else AUTHOR_B) for n in range(12)])
    EmbeddedArticleChunk.delete(author_filter(AUTHOR_A))
    remaining = list(EmbeddedArticleChunk.iter_all())
    assert len(remaining) == 7 and {c.author_id for c in remaining} == {AUTHOR_B}


def test_payload_only_collection_for_cleaned_documents(qdrant_local) -> None:
    document = CleanedArticleDocument(
        content="clean text", platform="p", author_id=AUTHOR_A, author_full_name="A", link="https://x.org/1"
    )
    CleanedArticleDocument.bulk_insert([document])
    info = CleanedArticleDocument.client().get_collection("cleaned_articles")
    assert not info.config.params.vectors
    (found,), _ = CleanedArticleDocument.bulk_find()
    assert found == document and found.content == "clean text"


def test_registry_and_grouping() -> None:
    assert VectorBaseDocument.collection_name_to_class("embedded_articles") is EmbeddedArticleChunk
    assert VectorBaseDocument.collection_name_to_class("cleaned_articles") is CleanedArticleDocument
    with pytest.raises(Exception, match="No document class"):
        VectorBaseDocument.collection_name_to_class("nope")
    a, b = chunk(1, AUTHOR_A), chunk(2, AUTHOR_B)
    assert VectorBaseDocument.group_by_class([a, b]) == {EmbeddedArticleChunk: [a, b]}
    assert VectorBaseDocument.group_by_category([a]) == {DataCategory.ARTICLES: [a]}
