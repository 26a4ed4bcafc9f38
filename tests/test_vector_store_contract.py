"""One contract for both vector-store adapters: the embedded store (qdrant-edge) and the server adapter
(qdrant-client; its local mode stands in for a server). With exact search both return the same hits."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from qdrant_client import QdrantClient

from llm_engineering.domain.base.vector_store import (
    DENSE_VECTOR,
    CollectionSpec,
    Filter,
    HasId,
    MatchAny,
    MatchValue,
    Point,
    RrfFusion,
    SparseVector,
    VectorStore,
)
from llm_engineering.infrastructure.vector_store.edge import EdgeVectorStore
from llm_engineering.infrastructure.vector_store.server import ServerVectorStore

NAME = "embedded_articles"
SIZE = 16
POINTS = 120
RRF = RrfFusion(k=60)


def _open(kind: str, folder: Path) -> VectorStore:
    if kind == "embedded":
        return EdgeVectorStore(folder)
    return ServerVectorStore(QdrantClient(location=":memory:"))


@pytest.fixture(params=["embedded", "server"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[VectorStore]:
    opened = _open(request.param, tmp_path / "store")
    yield opened
    opened.close()


def _points(seed: int = 0, count: int = POINTS) -> list[Point]:
    rng = np.random.default_rng(seed)
    points = []
    for n in range(count):
        vector = rng.normal(size=SIZE)
        terms = sorted({int(t) for t in rng.integers(1, 40, size=4)})
        points.append(
            Point(
                id=str(uuid.UUID(int=n + 1, version=4)),
                payload={"author_id": f"author-{n % 3}", "document_id": f"doc-{n // 4}", "n": n},
                dense=(vector / np.linalg.norm(vector)).tolist(),
                sparse=SparseVector(tuple(terms), tuple(float(rng.uniform(0.5, 2)) for _ in terms)),
            )
        )
    return points


def _loaded(store: VectorStore) -> list[Point]:
    points = _points()
    store.create_collection(CollectionSpec(name=NAME, dense_size=SIZE))
    store.upsert(NAME, points)
    store.finish_load(NAME)
    return points


def _query(seed: int) -> tuple[list[float], SparseVector]:
    rng = np.random.default_rng(1000 + seed)
    vector = rng.normal(size=SIZE)
    return (vector / np.linalg.norm(vector)).tolist(), SparseVector((3, 7, 11), (1.0, 1.0, 1.0))


def test_collections_are_created_described_and_dropped(store: VectorStore) -> None:
    assert not store.collection_exists(NAME) and store.list_collections() == []
    store.create_collection(CollectionSpec(name=NAME, dense_size=SIZE))
    store.create_collection(CollectionSpec(name=NAME, dense_size=SIZE))  # existing: untouched
    store.create_collection(CollectionSpec(name="cleaned_articles", dense_size=None))
    assert store.list_collections() == ["cleaned_articles", NAME]
    info = store.describe(NAME)
    assert (info.dense_size, info.distance, info.sparse, info.sparse_idf, info.points) == (
        SIZE,
        "cosine",
        True,
        True,
        0,
    )
    payload_only = store.describe("cleaned_articles")
    assert payload_only.dense_size is None and not payload_only.sparse
    store.upsert("cleaned_articles", [Point(id=str(uuid.uuid4()), payload={"content": "text"})])
    assert store.count("cleaned_articles") == 1
    store.drop_collection(NAME)
    store.drop_collection(NAME)  # missing: nothing happens
    assert store.list_collections() == ["cleaned_articles"]


def test_upsert_overwrites_by_id_and_retrieve_returns_vectors(store: VectorStore) -> None:
    points = _loaded(store)
    store.upsert(NAME, points[:10])
    assert store.count(NAME) == POINTS
    (hit,) = store.retrieve(NAME, [points[5].id, str(uuid.uuid4())], with_vectors=True)
    assert hit.id == points[5].id and hit.payload == points[5].payload and hit.score is None
    assert np.allclose(hit.dense, points[5].dense, atol=1e-6)
    assert hit.sparse.indices == points[5].sparse.indices
    assert np.allclose(hit.sparse.values, points[5].sparse.values)
    (only_n,) = store.retrieve(NAME, [points[5].id], with_payload=["n"])
    assert only_n.payload == {"n": 5} and only_n.dense is None


def test_filters_count_scroll_delete_and_set_payload(store: VectorStore) -> None:
    points = _loaded(store)
    author = Filter(must=(MatchValue("author_id", "author-1"),))
    assert store.count(NAME, author) == 40
    docs = Filter(must=(MatchAny("document_id", ("doc-0", "doc-1")),))
    assert store.count(NAME, docs) == 8
    assert store.count(NAME, Filter(must=(HasId((points[0].id, points[1].id)),))) == 2
    assert store.count(NAME, Filter(must_not=(MatchValue("author_id", "author-1"),))) == 80
    assert store.count(NAME, author & docs) == 3

    seen: list[str] = []
    offset = None
    while True:
        page, offset = store.scroll(NAME, 32, offset, author, with_payload=False)
        assert len(page) <= 32 and all(hit.payload == {} for hit in page)
        seen += [hit.id for hit in page]
        if offset is None:
            break
    assert sorted(seen) == sorted(p.id for p in points if p.payload["author_id"] == "author-1")

    store.set_payload(NAME, docs, {"tag": "x"})
    tagged = store.retrieve(NAME, [points[0].id, points[9].id], with_vectors=True)
    by_id = {hit.id: hit for hit in tagged}
    assert by_id[points[0].id].payload["tag"] == "x" and "tag" not in by_id[points[9].id].payload
    assert by_id[points[0].id].payload["n"] == 0 and np.allclose(by_id[points[0].id].dense, points[0].dense, atol=1e-6)

    store.delete(NAME, docs)
    assert store.count(NAME) == POINTS - 8 and store.count(NAME, docs) == 0


@pytest.mark.parametrize("seed", range(3))
def test_both_adapters_return_the_same_hits(tmp_path: Path, seed: int) -> None:
    stores = [_open("embedded", tmp_path / "edge"), _open("server", tmp_path / "server")]
    try:
        for opened in stores:
            _loaded(opened)
        dense, sparse = _query(seed)
        author = Filter(must=(MatchValue("author_id", "author-2"),))
        results = []
        for opened in stores:
            results.append(
                {
                    "dense": opened.query_dense(NAME, dense, 10, exact=True),
                    "dense_filtered": opened.query_dense(NAME, dense, 10, author, exact=True),
                    "sparse": opened.query_sparse(NAME, sparse, 10),
                    "sparse_filtered": opened.query_sparse(NAME, sparse, 10, author),
                    "hybrid": opened.query_hybrid(NAME, dense, sparse, 10, RRF, exact=True),
                    "hybrid_filtered": opened.query_hybrid(NAME, dense, sparse, 10, RRF, author, exact=True),
                    "hybrid_weighted": opened.query_hybrid(
                        NAME, dense, sparse, 10, RrfFusion(60, (2.0, 1.0)), exact=True
                    ),
                }
            )
        edge, server = results
        for kind in edge:
            assert 0 < len(edge[kind]) <= 10, kind
            assert np.allclose([h.score for h in edge[kind]], [h.score for h in server[kind]], atol=1e-4), kind
            assert _ranked(edge[kind]) == _ranked(server[kind]), kind
            assert all(h.payload for h in edge[kind]), kind
        assert len(edge["dense"]) == len(edge["hybrid"]) == 10
        assert {h.payload["author_id"] for h in edge["hybrid_filtered"]} == {"author-2"}
    finally:
        for opened in stores:
            opened.close()


def _ranked(hits: list) -> list[tuple[float, str]]:
    """Hits by score, ties by id; ties at the cut-off are left out (either engine may keep either one)."""
    last = round(hits[-1].score, 4)
    return sorted((-round(hit.score, 4), hit.id) for hit in hits if round(hit.score, 4) != last)


def test_hybrid_can_return_the_dense_vectors(store: VectorStore) -> None:
    _loaded(store)
    dense, sparse = _query(0)
    hits = store.query_hybrid(NAME, dense, sparse, 5, RRF, with_vectors=True)
    assert len(hits) == 5 and all(len(hit.dense) == SIZE and hit.sparse.indices for hit in hits)
    only_dense = store.query_hybrid(NAME, dense, sparse, 5, RRF, with_vectors=[DENSE_VECTOR])
    assert all(len(hit.dense) == SIZE and hit.sparse is None for hit in only_dense)
    best = store.query_dense(NAME, dense, 1)[0]
    assert best.score == pytest.approx(max(float(np.dot(dense, p.dense)) for p in _points()), abs=1e-5)


def test_queries_can_leave_payloads_out_or_name_the_fields(store: VectorStore) -> None:
    _loaded(store)
    dense, sparse = _query(1)
    full = store.query_sparse(NAME, sparse, 30)
    bare = store.query_sparse(NAME, sparse, 30, with_payload=False)
    assert [(h.id, h.score) for h in bare] == [(h.id, h.score) for h in full]
    assert all(h.payload == {} and h.dense is None for h in bare)
    named = store.query_dense(NAME, dense, 5, with_payload=["document_id"])
    assert named and all(set(h.payload) == {"document_id"} for h in named)
    assert all(h.payload == {} for h in store.query_dense(NAME, dense, 5, with_payload=False))


def test_an_older_embedded_shard_gets_the_runtime_settings_and_keeps_its_points(tmp_path: Path) -> None:
    import json

    import qdrant_edge as qe

    from llm_engineering.infrastructure.vector_store import edge

    root = tmp_path / "store"
    root.mkdir()
    # A shard as an earlier version made it: edge's defaults (payloads cold on disk, a search pool per CPU).
    shard = qe.EdgeShard.create(
        str(root / NAME),
        qe.EdgeConfig(
            vectors={DENSE_VECTOR: qe.EdgeVectorParams(size=SIZE, distance=qe.Distance.Cosine)},
            sparse_vectors={"bm25": qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
        ),
    )
    shard.close()
    store = EdgeVectorStore(root)
    points = _points()
    store.upsert(NAME, points)
    store.close()

    reopened = EdgeVectorStore(root)
    try:
        persisted = json.loads((root / NAME / edge.CONFIG_FILE).read_text())
        assert persisted["payload_memory"] == "cached"
        assert persisted["max_search_threads"] == edge.SEARCH_THREADS
        assert persisted["vectors"][DENSE_VECTOR]["quantization_config"]["scalar"]["type"] == "int8"
        info = reopened.describe(NAME)
        assert (info.dense_size, info.sparse_idf, info.points) == (SIZE, True, POINTS)
        dense, _ = _query(0)
        assert reopened.query_dense(NAME, dense, 5)[0].payload["author_id"].startswith("author-")
    finally:
        reopened.close()


def test_an_indexed_embedded_shard_searches_its_int8_copy_and_reports_float_scores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from llm_engineering.infrastructure.vector_store import edge

    # A tiny indexing threshold, so that these few points get the HNSW graph and the int8 copy a large store gets.
    monkeypatch.setattr(edge, "INDEXING_THRESHOLD_KB", 4)
    store = EdgeVectorStore(tmp_path / "store")
    try:
        store.create_collection(CollectionSpec(name=NAME, dense_size=SIZE))
        points = _points(count=600)
        store.upsert(NAME, points)
        store.finish_load(NAME)
        segments = list((tmp_path / "store" / NAME / "segments").glob("*/vector_storage-dense/quantized.data"))
        assert segments, "the index build made no int8 copy"
        schema = store._shard(NAME).info().payload_schema
        assert schema["author_id"].params.is_tenant is True
        assert not getattr(schema["document_id"].params, "is_tenant", False)

        by_id = {p.id: np.asarray(p.dense) for p in points}
        for seed in range(5):
            dense, _ = _query(seed)
            author = MatchValue("author_id", "author-1")
            for query_filter in (None, Filter(must=(author,))):
                found = store.query_dense(NAME, dense, 10, query_filter)
                exact = store.query_dense(NAME, dense, 10, query_filter, exact=True)
                assert len({h.id for h in found} & {h.id for h in exact}) >= 9
                for hit in found:  # rescored: the float cosine, not the int8 estimate
                    assert hit.score == pytest.approx(float(np.dot(dense, by_id[hit.id])), abs=1e-5)
    finally:
        store.close()
