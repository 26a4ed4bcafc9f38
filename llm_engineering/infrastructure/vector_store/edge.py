"""The embedded vector store: Qdrant's own engine in-process (qdrant-edge-py), one shard folder per collection.

Layout: `<root>/<collection>/` is one edge shard (write-ahead log + segments + edge_config.json), `<root>/.lock`
holds the one-process lock. Edge builds its HNSW graph only in `optimize()`, which blocks the interpreter:
it runs in `finish_load` (end of a bulk load), never on a request path. Segments smaller than the indexing
threshold stay unindexed and are searched exactly, which at that size is as fast as a graph.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import threading
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import qdrant_edge as qe
from loguru import logger

from llm_engineering.domain.base.vector_store import (
    DENSE_VECTOR,
    SPARSE_VECTOR,
    CollectionInfo,
    CollectionSpec,
    Filter,
    HasId,
    Hit,
    MatchAny,
    MatchValue,
    PayloadSelection,
    Point,
    RrfFusion,
    SparseVector,
    VectorStore,
    WithVectors,
    payload_selection,
    vector_selection,
)
from llm_engineering.domain.exceptions import DatabaseUnavailable, ImproperlyConfigured
from llm_engineering.infrastructure.vector_store.tuning import (
    HNSW_EF,
    HNSW_EF_CONSTRUCT,
    HNSW_M,
    RESCORE_OVERSAMPLING,
    SCALAR_QUANTILE,
)

# A segment gets an HNSW graph once its dense vectors pass this size (KB; 384-dim float32 = 1.5 KB a point, so
# about 13k points). Below it exact search takes a few milliseconds and needs no index build.
INDEXING_THRESHOLD_KB = 20_000
# Filtered searches whose candidates weigh less than this (KB) scan them exactly through the payload index.
FULL_SCAN_THRESHOLD_KB = 10_000
# Payloads stay in memory (edge's default keeps them cold, on disk): every hit reads one; ~150 MB at 100k chunks.
PAYLOAD_MEMORY = qe.Memory.Cached
# One search thread per shard: a request over one or two segments gains nothing from a pool on a small machine.
# With both settings, author-filtered dense searches over the three 100k-bench collections took 2.8 ms instead
# of 3.8 (same-process A/B on a busy 2-core machine).
SEARCH_THREADS = 1
_RUNTIME = {"payload_memory": PAYLOAD_MEMORY, "max_search_threads": SEARCH_THREADS}  # new and older shards alike
# Edge needs at least one vector per shard: payload-only collections carry this unused sparse vector.
PAYLOAD_ONLY_VECTOR = "_payload_only"
CONFIG_FILE = "edge_config.json"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


class EdgeVectorStore(VectorStore):
    """Collections as edge shards under `root`; one process at a time (a lock file says which)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock_file = _take_process_lock(self.root)
        self._shards: dict[str, qe.EdgeShard] = {}
        self._mutex = threading.RLock()

    # --- collections ---------------------------------------------------------------------------

    def _path(self, name: str) -> Path:
        if not _NAME.match(name):
            raise ImproperlyConfigured(f"Invalid collection name {name!r}: letters, digits, '_' and '-' only")
        return self.root / name

    def list_collections(self) -> list[str]:
        # Dot-folders are shards being created, dropped or restored, never collections.
        return sorted(p.name for p in self.root.iterdir() if _NAME.match(p.name) and (p / CONFIG_FILE).exists())

    def collection_exists(self, name: str) -> bool:
        # An open shard exists (this process holds the store, and dropping one closes it): no file check per search.
        return name in self._shards or (self._path(name) / CONFIG_FILE).exists()

    def create_collection(self, spec: CollectionSpec) -> None:
        path = self._path(spec.name)
        with self._mutex:
            if self.collection_exists(spec.name):
                return
            # Build it aside and rename: a crash never leaves a half-made shard under the real name.
            staging = self.root / f".{spec.name}.creating-{uuid.uuid4().hex[:8]}"
            shard = qe.EdgeShard.create(str(staging), _edge_config(spec))
            for field in spec.keyword_indexes:
                tenant = field == spec.tenant_field
                schema = qe.KeywordIndexParams(is_tenant=True) if tenant else qe.PayloadSchemaType.Keyword
                shard.update(qe.UpdateOperation.create_field_index(field, schema))
            shard.flush()
            shard.close()
            if path.exists():  # leftovers of an interrupted drop, never a live shard (no config file)
                shutil.rmtree(path)
            staging.rename(path)

    def describe(self, name: str) -> CollectionInfo:
        config = json.loads((self._path(name) / CONFIG_FILE).read_text())
        dense = (config.get("vectors") or {}).get(DENSE_VECTOR)
        sparse = (config.get("sparse_vectors") or {}).get(SPARSE_VECTOR)
        return CollectionInfo(
            name=name,
            dense_size=int(dense["size"]) if dense else None,
            distance=str(dense["distance"]).lower() if dense else None,
            sparse=sparse is not None,
            sparse_idf=bool(sparse) and str(sparse.get("modifier", "")).lower() == "idf",
            points=self._shard(name).info().points_count,
        )

    def drop_collection(self, name: str) -> None:
        path = self._path(name)
        with self._mutex:
            shard = self._shards.pop(name, None)
            if shard is not None:
                shard.close()
            if path.exists():
                trash = self.root / f".{name}.dropped-{uuid.uuid4().hex[:8]}"
                path.rename(trash)  # atomic: the collection is gone at once, the files go next
                shutil.rmtree(trash, ignore_errors=True)

    def _shard(self, name: str) -> qe.EdgeShard:
        shard = self._shards.get(name)
        if shard is not None:
            return shard
        with self._mutex:
            if name not in self._shards:
                if not self.collection_exists(name):
                    raise ImproperlyConfigured(f"The vector collection {name!r} does not exist in {self.root}")
                self._shards[name] = _load_shard(self._path(name))
            return self._shards[name]

    # --- writes --------------------------------------------------------------------------------

    def upsert(self, name: str, points: Sequence[Point]) -> None:
        if points:
            self._shard(name).update(qe.UpdateOperation.upsert_points([_to_edge_point(p) for p in points]))

    def delete(self, name: str, query_filter: Filter) -> None:
        self._shard(name).update(qe.UpdateOperation.delete_points_by_filter(_to_edge_filter(query_filter)))

    def set_payload(self, name: str, query_filter: Filter, payload: dict[str, Any]) -> None:
        self._shard(name).update(qe.UpdateOperation.set_payload_by_filter(_to_edge_filter(query_filter), payload))

    def finish_load(self, name: str) -> None:
        shard = self._shard(name)
        # Returns at once unless a segment passed INDEXING_THRESHOLD_KB (or needs vacuuming after deletes).
        if shard.optimize():
            info = shard.info()
            logger.info(f"Indexed {name}: {info.points_count} points in {info.segments_count} segments")
        shard.flush()

    def release(self, name: str) -> None:
        """Flush and close one collection's shard (it reopens on next use): its folder is then a complete copy."""
        with self._mutex:
            shard = self._shards.pop(name, None)
            if shard is not None:
                shard.flush()
                shard.close()

    def flush(self) -> None:
        for shard in list(self._shards.values()):
            shard.flush()

    def close(self) -> None:
        with self._mutex:
            for shard in self._shards.values():
                shard.flush()
                shard.close()
            self._shards.clear()
            if self._lock_file is not None:
                self._lock_file.close()  # closing the descriptor releases the lock
                self._lock_file = None

    # --- reads ---------------------------------------------------------------------------------

    def query_dense(
        self,
        name: str,
        vector: Sequence[float],
        limit: int,
        query_filter: Filter | None = None,
        with_vectors: WithVectors = False,
        exact: bool = False,
        with_payload: PayloadSelection = True,
    ) -> list[Hit]:
        request = qe.QueryRequest(
            limit=limit,
            query=qe.Query.Nearest(list(vector), using=DENSE_VECTOR),
            filter=_to_edge_filter(query_filter),
            params=_search_params(exact),
            with_payload=payload_selection(with_payload),
            with_vector=vector_selection(with_vectors),
        )
        return [_to_hit(point) for point in self._shard(name).query(request)]

    def query_sparse(
        self,
        name: str,
        vector: SparseVector,
        limit: int,
        query_filter: Filter | None = None,
        with_vectors: WithVectors = False,
        with_payload: PayloadSelection = True,
    ) -> list[Hit]:
        request = qe.QueryRequest(
            limit=limit,
            query=qe.Query.Nearest(_to_edge_sparse(vector), using=SPARSE_VECTOR),
            filter=_to_edge_filter(query_filter),
            with_payload=payload_selection(with_payload),
            with_vector=vector_selection(with_vectors),
        )
        points = self._shard(name).query(request)
        if with_payload is False and with_vectors is False:  # a deep ranking: ids and scores only, read cheaply
            return [Hit(str(point.id), {}, point.score) for point in points]
        return [_to_hit(point) for point in points]

    def query_hybrid(
        self,
        name: str,
        dense: Sequence[float],
        sparse: SparseVector,
        limit: int,
        fusion: RrfFusion,
        query_filter: Filter | None = None,
        with_vectors: WithVectors = False,
        exact: bool = False,
    ) -> list[Hit]:
        edge_filter = _to_edge_filter(query_filter)
        request = qe.QueryRequest(
            limit=limit,
            prefetches=[
                qe.Prefetch(
                    limit=limit,
                    query=qe.Query.Nearest(list(dense), using=DENSE_VECTOR),
                    filter=edge_filter,
                    params=_search_params(exact),
                ),
                qe.Prefetch(
                    limit=limit,
                    query=qe.Query.Nearest(_to_edge_sparse(sparse), using=SPARSE_VECTOR),
                    filter=edge_filter,
                ),
            ],
            # Edge's default k is 2: always pass the project's constant.
            query=qe.Fusion.Rrf(k=fusion.k, weights=list(fusion.weights) if fusion.weights else None),
            filter=edge_filter,
            with_payload=True,
            with_vector=vector_selection(with_vectors),
        )
        return [_to_hit(point) for point in self._shard(name).query(request)]

    def retrieve(
        self, name: str, ids: Sequence[str], with_payload: PayloadSelection = True, with_vectors: bool = False
    ) -> list[Hit]:
        if not ids:
            return []
        records = self._shard(name).retrieve(
            list(ids), with_payload=payload_selection(with_payload), with_vector=with_vectors
        )
        return [_to_hit(record) for record in records]

    def scroll(
        self,
        name: str,
        limit: int,
        offset: str | None = None,
        query_filter: Filter | None = None,
        with_payload: bool = True,
        with_vectors: bool = False,
    ) -> tuple[list[Hit], str | None]:
        request = qe.ScrollRequest(
            offset=offset,
            limit=limit,
            filter=_to_edge_filter(query_filter),
            with_payload=with_payload,
            with_vector=vector_selection(with_vectors),
        )
        records, next_offset = self._shard(name).scroll(request)
        return [_to_hit(record) for record in records], (str(next_offset) if next_offset is not None else None)

    def count(self, name: str, query_filter: Filter | None = None) -> int:
        return self._shard(name).count(qe.CountRequest(exact=True, filter=_to_edge_filter(query_filter)))


# --- opening -----------------------------------------------------------------------------------------


def _in_use(root: Path) -> DatabaseUnavailable:
    return DatabaseUnavailable(
        f"The embedded vector store {root} is locked by another process (the embedded store allows one process "
        "at a time). Stop the other MoodSwarm process (a pipeline, the inference service, qdrant_inspect), "
        "or set QDRANT_URL to use a Qdrant server that many processes can share."
    )


def _take_process_lock(root: Path):  # noqa: ANN202 - an open file object
    lock_file = open(root / ".lock", "a+")  # noqa: SIM115 - held open for the store's lifetime
    try:
        fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock_file.close()
        raise _in_use(root) from None
    lock_file.seek(0)
    lock_file.truncate()
    lock_file.write(f"{os.getpid()}\n")
    lock_file.flush()
    return lock_file


def lock_holder(root: Path) -> int | None:
    """The pid of the process holding the store open, or None when it is free (the lock is not taken)."""
    lock_path = Path(root) / ".lock"
    if not lock_path.exists():
        return None
    with lock_path.open("r") as probe:
        try:
            fcntl.flock(probe.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            text = probe.read().strip()
            return int(text) if text.isdigit() else -1
        fcntl.flock(probe.fileno(), fcntl.LOCK_UN)
    return None


def _load_shard(path: Path) -> qe.EdgeShard:
    try:
        # The runtime settings travel with the load: a shard made by an older version gets them too.
        return qe.EdgeShard.load(str(path), _runtime_config(path))
    except Exception as error:  # the binding raises plain Exception with the engine's message
        if "WouldBlock" in str(error) or "lock" in str(error).lower():
            raise _in_use(path.parent) from None
        raise DatabaseUnavailable(f"Cannot open the vector collection at {path}: {error}") from error


def _edge_config(spec: CollectionSpec) -> qe.EdgeConfig:
    if spec.dense_size is None:
        return qe.EdgeConfig(sparse_vectors={PAYLOAD_ONLY_VECTOR: qe.EdgeSparseVectorParams()}, **_RUNTIME)
    return qe.EdgeConfig(
        **_RUNTIME,
        vectors={DENSE_VECTOR: _dense_params(spec.dense_size, qe.Distance.Cosine)},
        sparse_vectors={SPARSE_VECTOR: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
        hnsw_config=qe.HnswIndexConfig(
            m=HNSW_M, ef_construct=HNSW_EF_CONSTRUCT, full_scan_threshold=FULL_SCAN_THRESHOLD_KB
        ),
        optimizers=qe.EdgeOptimizersConfig(indexing_threshold=INDEXING_THRESHOLD_KB),
    )


def _dense_params(size: int, distance: qe.Distance) -> qe.EdgeVectorParams:
    int8 = qe.ScalarQuantizationConfig(type=qe.ScalarType.Int8, quantile=SCALAR_QUANTILE, always_ram=True)
    return qe.EdgeVectorParams(size=size, distance=distance, quantization_config=int8)


def _runtime_config(path: Path) -> qe.EdgeConfig | None:
    """The shard's own vectors (edge checks them against its segments) with this version's runtime settings;
    None (load as persisted) when the shard has them already or its config cannot be read."""
    try:
        persisted = json.loads((path / CONFIG_FILE).read_text())
    except (OSError, ValueError):
        return None  # the load reports what is wrong with the shard
    persisted_vectors = persisted.get("vectors") or {}
    if (
        persisted.get("payload_memory") == "cached"
        and persisted.get("max_search_threads") == SEARCH_THREADS
        and all(params.get("quantization_config") for params in persisted_vectors.values())
    ):
        return None
    # An older shard gains the int8 copy too: the next optimize() (the end of a load) builds it; until then its
    # segments are searched as before.
    vectors = {
        name: _dense_params(int(params["size"]), getattr(qe.Distance, params["distance"]))
        for name, params in persisted_vectors.items()
    }
    sparse = {
        name: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf if params.get("modifier") == "idf" else None)
        for name, params in (persisted.get("sparse_vectors") or {}).items()
    }
    return qe.EdgeConfig(vectors=vectors or None, sparse_vectors=sparse or None, **_RUNTIME)


# The int8 copy finds the candidates; their float vectors give the final order and the scores we report.
_RESCORE = qe.QuantizationSearchParams(rescore=True, oversampling=RESCORE_OVERSAMPLING)
_EXACT = qe.QuantizationSearchParams(ignore=True)  # exact search compares the float vectors


def _search_params(exact: bool) -> qe.SearchParams:
    return qe.SearchParams(hnsw_ef=HNSW_EF, exact=exact, quantization=_EXACT if exact else _RESCORE)


# --- translation -------------------------------------------------------------------------------------


def _to_edge_sparse(vector: SparseVector) -> qe.SparseVector:
    return qe.SparseVector(indices=list(vector.indices), values=list(vector.values))


def _to_edge_point(point: Point) -> qe.Point:
    vectors: dict[str, Any] = {}
    if point.dense is not None:
        vectors[DENSE_VECTOR] = point.dense
    if point.sparse is not None:
        vectors[SPARSE_VECTOR] = _to_edge_sparse(point.sparse)
    return qe.Point(id=point.id, vector=vectors, payload=point.payload)


def _to_edge_condition(condition: MatchValue | MatchAny | HasId) -> Any:
    if isinstance(condition, MatchValue):
        return qe.FieldCondition(key=condition.key, match=qe.MatchValue(condition.value))
    if isinstance(condition, MatchAny):
        return qe.FieldCondition(key=condition.key, match=qe.MatchAny(list(condition.values)))
    if isinstance(condition, HasId):
        return qe.HasIdCondition(set(condition.ids))
    raise TypeError(f"Unsupported filter condition {condition!r}")


def _to_edge_filter(query_filter: Filter | None) -> qe.Filter | None:
    if query_filter is None:
        return None
    return qe.Filter(
        must=[_to_edge_condition(c) for c in query_filter.must] or None,
        should=[_to_edge_condition(c) for c in query_filter.should] or None,
        must_not=[_to_edge_condition(c) for c in query_filter.must_not] or None,
    )


def _to_hit(point: Any) -> Hit:  # qe.ScoredPoint or qe.Record
    # Every property of an edge point is converted from the engine on access: read each one once. The payload
    # comes back as a fresh dict, ours to keep without a copy.
    dense, sparse = None, None
    vectors = point.vector
    if isinstance(vectors, dict):
        dense = vectors.get(DENSE_VECTOR)
        if dense is not None:
            dense = list(dense)
        edge_sparse = vectors.get(SPARSE_VECTOR)
        if edge_sparse is not None:
            sparse = SparseVector(tuple(edge_sparse.indices), tuple(float(v) for v in edge_sparse.values))
    payload = point.payload
    return Hit(str(point.id), payload if payload is not None else {}, getattr(point, "score", None), dense, sparse)
