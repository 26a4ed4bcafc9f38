"""The server vector store: a Qdrant server through qdrant-client (many processes can share it).

Tests stand qdrant-client's local mode (`QdrantClient(path=...)` or `":memory:"`) in for a server: same client
API, exact search only.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

from qdrant_client import QdrantClient, models

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
from llm_engineering.infrastructure.vector_store.tuning import HNSW_EF, RESCORE_OVERSAMPLING, SCALAR_QUANTILE


class ServerVectorStore(VectorStore):
    def __init__(self, client: QdrantClient) -> None:
        self.client = client

    # --- collections ---------------------------------------------------------------------------

    def list_collections(self) -> list[str]:
        return sorted(c.name for c in self.client.get_collections().collections)

    def collection_exists(self, name: str) -> bool:
        return bool(self.client.collection_exists(name))

    def create_collection(self, spec: CollectionSpec) -> None:
        if self.collection_exists(spec.name):
            return
        if spec.dense_size is None:
            self.client.create_collection(collection_name=spec.name, vectors_config={})
        else:
            self.client.create_collection(
                collection_name=spec.name,
                vectors_config={
                    DENSE_VECTOR: models.VectorParams(
                        size=spec.dense_size, distance=models.Distance.COSINE, quantization_config=_INT8
                    )
                },
                sparse_vectors_config={SPARSE_VECTOR: models.SparseVectorParams(modifier=models.Modifier.IDF)},
            )
        with warnings.catch_warnings():
            # Local mode (the tests' stand-in) ignores payload indexes and says so; a server uses them.
            warnings.filterwarnings("ignore", message="Payload indexes have no effect")
            for field in spec.keyword_indexes:
                schema = (
                    models.KeywordIndexParams(type=models.KeywordIndexType.KEYWORD, is_tenant=True)
                    if field == spec.tenant_field
                    else models.PayloadSchemaType.KEYWORD
                )
                self.client.create_payload_index(spec.name, field_name=field, field_schema=schema)

    def describe(self, name: str) -> CollectionInfo:
        info = self.client.get_collection(name)
        params = info.config.params
        dense = params.vectors.get(DENSE_VECTOR) if isinstance(params.vectors, dict) else None
        sparse = (params.sparse_vectors or {}).get(SPARSE_VECTOR)
        return CollectionInfo(
            name=name,
            dense_size=dense.size if dense else None,
            distance=str(dense.distance.value).lower() if dense else None,
            sparse=sparse is not None,
            sparse_idf=sparse is not None and sparse.modifier == models.Modifier.IDF,
            points=self.count(name),
        )

    def drop_collection(self, name: str) -> None:
        if self.collection_exists(name):
            self.client.delete_collection(name)

    # --- writes --------------------------------------------------------------------------------

    def upsert(self, name: str, points: Sequence[Point]) -> None:
        if points:
            self.client.upsert(collection_name=name, points=[_to_point_struct(p) for p in points], wait=True)

    def delete(self, name: str, query_filter: Filter) -> None:
        selector = models.FilterSelector(filter=_to_qdrant_filter(query_filter))
        self.client.delete(collection_name=name, points_selector=selector, wait=True)

    def set_payload(self, name: str, query_filter: Filter, payload: dict[str, Any]) -> None:
        self.client.set_payload(
            collection_name=name,
            payload=payload,
            points=models.FilterSelector(filter=_to_qdrant_filter(query_filter)),
            wait=True,
        )

    def close(self) -> None:
        self.client.close()

    # --- reads ---------------------------------------------------------------------------------

    def _query(self, **request: Any) -> list[Hit]:
        with warnings.catch_warnings():
            # Local mode (the tests' stand-in for a server) searches exactly and says so for every search parameter.
            warnings.filterwarnings("ignore", message="Local mode performs exact")
            response = self.client.query_points(**request)
        return [_to_hit(point) for point in response.points]

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
        return self._query(
            collection_name=name,
            query=list(vector),
            using=DENSE_VECTOR,
            limit=limit,
            query_filter=_to_qdrant_filter(query_filter),
            search_params=_search_params(exact),
            with_vectors=vector_selection(with_vectors),
            with_payload=payload_selection(with_payload),
        )

    def query_sparse(
        self,
        name: str,
        vector: SparseVector,
        limit: int,
        query_filter: Filter | None = None,
        with_vectors: WithVectors = False,
        with_payload: PayloadSelection = True,
    ) -> list[Hit]:
        return self._query(
            collection_name=name,
            query=_to_qdrant_sparse(vector),
            using=SPARSE_VECTOR,
            limit=limit,
            query_filter=_to_qdrant_filter(query_filter),
            with_vectors=vector_selection(with_vectors),
            with_payload=payload_selection(with_payload),
        )

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
        qdrant_filter = _to_qdrant_filter(query_filter)
        return self._query(
            collection_name=name,
            prefetch=[
                models.Prefetch(
                    query=list(dense),
                    using=DENSE_VECTOR,
                    limit=limit,
                    filter=qdrant_filter,
                    params=_search_params(exact),
                ),
                models.Prefetch(
                    query=_to_qdrant_sparse(sparse), using=SPARSE_VECTOR, limit=limit, filter=qdrant_filter
                ),
            ],
            # The server's default k is 2: always pass the project's constant (needs Qdrant >= 1.16).
            query=models.RrfQuery(rrf=models.Rrf(k=fusion.k, weights=list(fusion.weights) if fusion.weights else None)),
            query_filter=qdrant_filter,
            limit=limit,
            with_vectors=vector_selection(with_vectors),
            with_payload=True,
        )

    def retrieve(
        self, name: str, ids: Sequence[str], with_payload: PayloadSelection = True, with_vectors: bool = False
    ) -> list[Hit]:
        if not ids:
            return []
        records = self.client.retrieve(
            name, ids=list(ids), with_payload=payload_selection(with_payload), with_vectors=with_vectors
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
        records, next_offset = self.client.scroll(
            collection_name=name,
            limit=limit,
            offset=offset,
            scroll_filter=_to_qdrant_filter(query_filter),
            with_payload=with_payload,
            with_vectors=vector_selection(with_vectors),
        )
        return [_to_hit(record) for record in records], (str(next_offset) if next_offset is not None else None)

    def count(self, name: str, query_filter: Filter | None = None) -> int:
        return self.client.count(name, count_filter=_to_qdrant_filter(query_filter), exact=True).count


# --- translation -------------------------------------------------------------------------------------


# Same index as the embedded store: an int8 copy in RAM for the search, float vectors for the final order.
_INT8 = models.ScalarQuantization(
    scalar=models.ScalarQuantizationConfig(type=models.ScalarType.INT8, quantile=SCALAR_QUANTILE, always_ram=True)
)
_RESCORE = models.QuantizationSearchParams(rescore=True, oversampling=RESCORE_OVERSAMPLING)
_EXACT = models.QuantizationSearchParams(ignore=True)  # exact search compares the float vectors


def _search_params(exact: bool) -> models.SearchParams:
    return models.SearchParams(hnsw_ef=HNSW_EF, exact=exact, quantization=_EXACT if exact else _RESCORE)


def _to_qdrant_sparse(vector: SparseVector) -> models.SparseVector:
    return models.SparseVector(indices=list(vector.indices), values=list(vector.values))


def _to_point_struct(point: Point) -> models.PointStruct:
    vectors: dict[str, Any] = {}
    if point.dense is not None:
        vectors[DENSE_VECTOR] = point.dense
    if point.sparse is not None:
        vectors[SPARSE_VECTOR] = _to_qdrant_sparse(point.sparse)
    return models.PointStruct(id=point.id, vector=vectors, payload=point.payload)


def _to_condition(condition: MatchValue | MatchAny | HasId) -> Any:
    if isinstance(condition, MatchValue):
        return models.FieldCondition(key=condition.key, match=models.MatchValue(value=condition.value))
    if isinstance(condition, MatchAny):
        return models.FieldCondition(key=condition.key, match=models.MatchAny(any=list(condition.values)))
    if isinstance(condition, HasId):
        return models.HasIdCondition(has_id=list(condition.ids))
    raise TypeError(f"Unsupported filter condition {condition!r}")


def _to_qdrant_filter(query_filter: Filter | None) -> models.Filter | None:
    if query_filter is None:
        return None
    return models.Filter(
        must=[_to_condition(c) for c in query_filter.must] or None,
        should=[_to_condition(c) for c in query_filter.should] or None,
        must_not=[_to_condition(c) for c in query_filter.must_not] or None,
    )


def _to_hit(point: Any) -> Hit:  # models.Record or models.ScoredPoint
    dense, sparse = None, None
    vectors = point.vector
    if isinstance(vectors, dict):
        dense = vectors.get(DENSE_VECTOR)
        qdrant_sparse = vectors.get(SPARSE_VECTOR)
        if qdrant_sparse is not None:
            sparse = SparseVector(tuple(qdrant_sparse.indices), tuple(float(v) for v in qdrant_sparse.values))
    return Hit(
        id=str(point.id),
        payload=dict(point.payload or {}),
        score=getattr(point, "score", None),
        dense=list(dense) if dense is not None else None,
        sparse=sparse,
    )
