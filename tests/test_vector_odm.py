"""The vector ODM against the real embedded store (qdrant-edge), through the port."""

from __future__ import annotations

import uuid

import numpy as np
import pytest

from llm_engineering.domain.base.vector import (
    REBUILD_COMMAND,
    SparseEmbedding,
    VectorBaseDocument,
    author_filter,
    field_in_filter,
    ids_filter,
)
from llm_engineering.domain.base.vector_store import CollectionSpec
from llm_engineering.domain.cleaned_documents import CleanedArticleDocument
from llm_engineering.domain.embedded_chunks import EmbeddedArticleChunk, EmbeddedRepositoryChunk
from llm_engineering.domain.exceptions import CollectionMismatch
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
    info = EmbeddedArticleChunk.store().describe("embedded_articles")
    assert (info.dense_size, info.distance, info.sparse, info.sparse_idf, info.points) == (384, "cosine", True, True, 1)


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
    assert EmbeddedArticleChunk.count() == 20


def test_existing_collection_is_not_recreated(qdrant_local) -> None:
    EmbeddedArticleChunk.bulk_insert([chunk(1, AUTHOR_A)])
    EmbeddedArticleChunk.bulk_insert([chunk(2, AUTHOR_A)])  # must not drop what the first call wrote
    assert EmbeddedArticleChunk.count() == 2


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
    info = CleanedArticleDocument.store().describe("cleaned_articles")
    assert info.dense_size is None and not info.sparse
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


def test_count_retrieve_ids_and_payload_update(qdrant_local) -> None:
    chunks = [chunk(n, AUTHOR_A if n < 4 else AUTHOR_B) for n in range(10)]
    EmbeddedArticleChunk.bulk_insert(chunks)
    assert EmbeddedArticleChunk.count(author_filter(AUTHOR_A)) == 4
    wanted = [chunks[7].id, chunks[2].id, uuid.uuid4()]  # the unknown id is skipped
    assert [c.id for c in EmbeddedArticleChunk.retrieve(wanted)] == [chunks[7].id, chunks[2].id]
    assert sorted(EmbeddedArticleChunk.iter_ids(page_size=3)) == sorted(str(c.id) for c in chunks)
    assert set(EmbeddedArticleChunk.iter_ids(query_filter=author_filter(AUTHOR_B))) == {str(c.id) for c in chunks[4:]}

    EmbeddedArticleChunk.set_payload([chunks[0].id, chunks[1].id], {"author_full_name": "Renamed"})
    EmbeddedArticleChunk.set_payload(ids_filter([chunks[9].id]), {"author_full_name": "Renamed too"})
    renamed = {c.id: c for c in EmbeddedArticleChunk.retrieve([chunks[0].id, chunks[9].id], with_vectors=True)}
    assert (
        renamed[chunks[0].id].author_full_name == "Renamed" and renamed[chunks[9].id].author_full_name == "Renamed too"
    )
    assert np.allclose(renamed[chunks[0].id].embedding, chunks[0].embedding, atol=1e-6)  # vectors untouched

    EmbeddedArticleChunk.delete(field_in_filter("document_id", [chunks[0].document_id, chunks[1].document_id]))
    assert EmbeddedArticleChunk.count() == 8


def test_sparse_and_hybrid_search(qdrant_local) -> None:
    target = unit(1000)
    lexical = chunk(1, AUTHOR_A)
    lexical.sparse_embedding = SparseEmbedding(indices=[4242], values=[2.0])
    EmbeddedArticleChunk.bulk_insert(
        [lexical, chunk(2, AUTHOR_A, vector=target)] + [chunk(n, AUTHOR_B) for n in range(3, 20)]
    )
    (found,) = EmbeddedArticleChunk.search_sparse(SparseEmbedding(indices=[4242], values=[1.0]), limit=5)
    assert found.id == lexical.id and found.score > 0
    assert EmbeddedArticleChunk.search_sparse(SparseEmbedding(), limit=5) == []
    hybrid = EmbeddedArticleChunk.hybrid_search(target, SparseEmbedding(indices=[4242], values=[1.0]), 2, rrf_k=60)
    assert {hit.content for hit in hybrid} == {"chunk 1", "chunk 2"}
    assert hybrid[0].score == pytest.approx(hybrid[1].score)  # each is first in one list and absent from the other


def test_drop_collection(qdrant_local) -> None:
    EmbeddedArticleChunk.bulk_insert([chunk(1, AUTHOR_A)])
    EmbeddedArticleChunk.drop_collection()
    assert not EmbeddedArticleChunk.collection_exists() and EmbeddedArticleChunk.count() == 0
    EmbeddedArticleChunk.drop_collection()  # missing: nothing happens
    EmbeddedArticleChunk.bulk_insert([chunk(2, AUTHOR_A)])
    assert EmbeddedArticleChunk.count() == 1


def test_collection_of_another_vector_size_is_a_clear_error(qdrant_local) -> None:
    EmbeddedArticleChunk.store().create_collection(CollectionSpec(name="embedded_articles", dense_size=768))
    with pytest.raises(CollectionMismatch) as caught:
        EmbeddedArticleChunk.search(unit(1), limit=3)
    message = str(caught.value)
    assert "'embedded_articles'" in message and "768" in message and "384" in message and REBUILD_COMMAND in message
