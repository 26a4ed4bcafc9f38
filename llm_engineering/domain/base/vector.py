"""A small pydantic ODM over the vector-store port.

Each subclass names its collection in `Settings`. Embedded collections carry a named dense vector
(`dense`, cosine, sized by the embedding model) and a named sparse vector (`bm25`, IDF applied by the
engine); payload-only collections (cleaned documents) carry no vectors.

The ODM never builds a store itself: the composition root (`llm_engineering.infrastructure.bootstrap`)
binds a store provider and the model's vector size with `bind_vector_store`. Importing this module does
no I/O, and binding connects to nothing: the store opens on first use.
"""

from __future__ import annotations

import threading
import uuid
from abc import ABC
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, ClassVar, Self

from pydantic import UUID4, BaseModel, Field

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
    Point,
    RrfFusion,
    SparseVector,
    VectorStore,
    WithVectors,
    ids_of,
)
from llm_engineering.domain.exceptions import CollectionMismatch, ImproperlyConfigured
from llm_engineering.domain.types import DataCategory

__all__ = [
    "DENSE_VECTOR",
    "REBUILD_COMMAND",
    "SPARSE_VECTOR",
    "SparseEmbedding",
    "VectorBaseDocument",
    "author_filter",
    "bind_vector_store",
    "document_filter",
    "field_filter",
    "field_in_filter",
    "ids_filter",
]

# The one command that rebuilds every vector collection from the warehouse.
REBUILD_COMMAND = "python -m tools.run --run-feature-engineering --full-rebuild"


class SparseEmbedding(BaseModel):
    """A sparse vector: token ids and their weights."""

    indices: list[int] = Field(default_factory=list)
    values: list[float] = Field(default_factory=list)

    def to_port(self) -> SparseVector:
        return SparseVector(tuple(self.indices), tuple(float(v) for v in self.values))


# --- the bound store -------------------------------------------------------------------------------


class _Binding:
    """The store provider and vector size the composition root bound, and the collections checked."""

    def __init__(self) -> None:
        self.provider: Callable[[], VectorStore] | None = None
        self.dense_size: Callable[[], int] | None = None
        self.checked: set[str] = set()
        self.lock = threading.Lock()


_binding = _Binding()


def bind_vector_store(provider: Callable[[], VectorStore], dense_size: Callable[[], int]) -> None:
    """Make the ODM use `provider()` as its store and `dense_size()` as the dense vector size.

    Both are called lazily (first use), so binding connects to nothing and loads no model.
    """
    with _binding.lock:
        _binding.provider, _binding.dense_size = provider, dense_size
        _binding.checked.clear()


def forget_checked_collections() -> None:
    """The store was closed or replaced: check each collection's shape again on next use."""
    with _binding.lock:
        _binding.checked.clear()


class VectorBaseDocument(BaseModel, ABC):
    id: UUID4 = Field(default_factory=uuid.uuid4)
    # Similarity of a search hit; never stored.
    score: float | None = Field(default=None, exclude=True)

    class Settings:
        name: str = ""
        category: DataCategory | None = None
        use_vector_index: bool = False

    _registry: ClassVar[dict[str, type[VectorBaseDocument]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = getattr(cls.Settings, "name", "")
        if name:
            VectorBaseDocument._registry[name] = cls

    def __eq__(self, other: object) -> bool:
        return isinstance(other, self.__class__) and self.id == other.id

    def __hash__(self) -> int:
        return hash(self.id)

    # --- mapping -------------------------------------------------------------------------------

    def to_point(self) -> Point:
        payload = self.model_dump(mode="json", exclude={"id", "score", "embedding", "sparse_embedding"})
        embedding = getattr(self, "embedding", None)
        sparse = getattr(self, "sparse_embedding", None)
        return Point(
            id=str(self.id),
            payload=payload,
            dense=[float(x) for x in embedding] if embedding is not None else None,
            sparse=sparse.to_port() if sparse is not None else None,
        )

    @classmethod
    def from_record(cls, hit: Hit) -> Self:
        # Validated in one pass, score included: a search converts hundreds of hits per query, and setting the
        # score afterwards would go through pydantic's slower attribute assignment.
        data: dict[str, Any] = {**hit.payload, "id": hit.id, "score": hit.score}
        if hit.dense is not None and "embedding" in cls.__pydantic_fields__:  # model_fields is a slow property
            data["embedding"] = hit.dense
        if hit.sparse is not None and "sparse_embedding" in cls.__pydantic_fields__:
            data["sparse_embedding"] = {"indices": list(hit.sparse.indices), "values": list(hit.sparse.values)}
        return cls.model_validate(data)

    # --- collection ----------------------------------------------------------------------------

    @classmethod
    def get_collection_name(cls) -> str:
        name = getattr(cls.Settings, "name", "")
        if not name:
            raise ImproperlyConfigured(f"{cls.__name__} has no Settings.name: it is not a stored document")
        return name

    @classmethod
    def get_category(cls) -> DataCategory:
        category = getattr(cls.Settings, "category", None)
        if category is None:
            raise ImproperlyConfigured(f"{cls.__name__} has no Settings.category")
        return category

    @classmethod
    def uses_vectors(cls) -> bool:
        return bool(getattr(cls.Settings, "use_vector_index", False))

    @classmethod
    def store(cls) -> VectorStore:
        """The bound vector store (opened on first use)."""
        provider = _binding.provider
        if provider is None:
            raise ImproperlyConfigured(
                "No vector store is bound to the ODM: call llm_engineering.infrastructure.bootstrap.bootstrap() "
                "at the program's entry point"
            )
        return provider()

    @classmethod
    def collection_spec(cls) -> CollectionSpec:
        dense_size = None
        if cls.uses_vectors():
            if _binding.dense_size is None:
                raise ImproperlyConfigured("No embedding size is bound to the ODM: call bootstrap() first")
            dense_size = _binding.dense_size()
        return CollectionSpec(name=cls.get_collection_name(), dense_size=dense_size)

    @classmethod
    def collection_exists(cls) -> bool:
        return cls.store().collection_exists(cls.get_collection_name())

    @classmethod
    def create_collection(cls) -> None:
        """Create the collection with this class's vectors and payload indexes (only call when it is missing)."""
        cls.store().create_collection(cls.collection_spec())
        _binding.checked.add(cls.get_collection_name())

    @classmethod
    def ensure_collection(cls) -> None:
        """Create the collection when missing; check an existing one fits the embedding model."""
        if not cls._existing():
            cls.create_collection()

    @classmethod
    def _existing(cls) -> bool:
        """Whether the collection exists; an existing one is checked once against the model (raises on mismatch)."""
        name = cls.get_collection_name()
        if not cls.store().collection_exists(name):
            return False
        if name not in _binding.checked:
            cls._check_shape(cls.store().describe(name))
            _binding.checked.add(name)
        return True

    @classmethod
    def _check_shape(cls, info: CollectionInfo) -> None:
        if not cls.uses_vectors():
            return
        spec = cls.collection_spec()
        problems = []
        if info.dense_size != spec.dense_size:
            problems.append(f"dense vectors of size {info.dense_size} (the embedding model gives {spec.dense_size})")
        if info.dense_size is not None and info.distance != "cosine":
            problems.append(f"{info.distance} distance (cosine expected)")
        if not info.sparse or not info.sparse_idf:
            problems.append(f"no `{SPARSE_VECTOR}` sparse vector with the IDF modifier")
        if problems:
            raise CollectionMismatch(
                f"The vector collection {info.name!r} has {', '.join(problems)}. "
                f"Rebuild the vector store with: {REBUILD_COMMAND}"
            )

    @classmethod
    def drop_collection(cls) -> None:
        """Remove the collection and every point in it (nothing happens when it is missing)."""
        cls.store().drop_collection(cls.get_collection_name())
        _binding.checked.discard(cls.get_collection_name())

    # --- writes --------------------------------------------------------------------------------

    @classmethod
    def bulk_insert(cls, documents: Iterable[Self], batch_size: int = 256) -> int:
        """Upsert documents in batches (same id -> overwritten, never duplicated). Returns the count."""
        cls.ensure_collection()
        store, name = cls.store(), cls.get_collection_name()
        written = 0
        batch: list[Point] = []
        for document in documents:
            batch.append(document.to_point())
            if len(batch) >= batch_size:
                store.upsert(name, batch)
                written += len(batch)
                batch = []
        if batch:
            store.upsert(name, batch)
            written += len(batch)
        return written

    @classmethod
    def finish_load(cls) -> None:
        """A bulk load ended: let the engine build its search index if enough new points accumulated."""
        if cls._existing():
            cls.store().finish_load(cls.get_collection_name())

    @classmethod
    def delete(cls, query_filter: Filter) -> None:
        """Delete every point matching the filter (nothing happens when the collection is missing)."""
        if cls._existing():
            cls.store().delete(cls.get_collection_name(), query_filter)

    @classmethod
    def set_payload(cls, target: Filter | Iterable[uuid.UUID | str], payload: dict[str, Any]) -> None:
        """Merge `payload` into the matching points (a filter, or ids) without touching their vectors."""
        query_filter = target if isinstance(target, Filter) else ids_filter(target)
        if cls._existing():
            cls.store().set_payload(cls.get_collection_name(), query_filter, payload)

    # --- reads ---------------------------------------------------------------------------------

    @classmethod
    def count(cls, query_filter: Filter | None = None) -> int:
        """Exact number of points (matching the filter); 0 when the collection is missing."""
        if not cls._existing():
            return 0
        return cls.store().count(cls.get_collection_name(), query_filter)

    @classmethod
    def retrieve(cls, ids: Iterable[uuid.UUID | str], with_vectors: bool = False) -> list[Self]:
        """The documents with these ids that exist, in the order asked."""
        wanted = ids_of(ids)
        if not wanted or not cls._existing():
            return []
        hits = {
            hit.id: hit for hit in cls.store().retrieve(cls.get_collection_name(), wanted, with_vectors=with_vectors)
        }
        return [cls.from_record(hits[point_id]) for point_id in wanted if point_id in hits]

    @classmethod
    def bulk_find(
        cls,
        limit: int = 256,
        offset: str | None = None,
        with_vectors: bool = False,
        query_filter: Filter | None = None,
    ) -> tuple[list[Self], str | None]:
        """One page of documents and the offset of the next page (None at the end)."""
        if not cls._existing():
            return [], None
        hits, next_offset = cls.store().scroll(
            cls.get_collection_name(), limit, offset, query_filter, with_payload=True, with_vectors=with_vectors
        )
        return [cls.from_record(hit) for hit in hits], next_offset

    @classmethod
    def iter_all(
        cls, page_size: int = 256, with_vectors: bool = False, query_filter: Filter | None = None
    ) -> Iterator[Self]:
        """Every document, streamed page by page."""
        offset: str | None = None
        while True:
            page, offset = cls.bulk_find(page_size, offset, with_vectors, query_filter)
            yield from page
            if offset is None:
                return

    @classmethod
    def iter_ids(cls, page_size: int = 1024, query_filter: Filter | None = None) -> Iterator[str]:
        """Every point id (matching the filter), streamed page by page without payloads or vectors."""
        if not cls._existing():
            return
        store, name = cls.store(), cls.get_collection_name()
        offset: str | None = None
        while True:
            hits, offset = store.scroll(name, page_size, offset, query_filter, with_payload=False)
            for hit in hits:
                yield hit.id
            if offset is None:
                return

    @classmethod
    def search(
        cls,
        query_vector: list[float],
        limit: int = 10,
        query_filter: Filter | None = None,
        with_vectors: WithVectors = False,
        exact: bool = False,
    ) -> list[Self]:
        """Dense similarity search (cosine), best first, each hit with its `score`."""
        cls._require_vectors()
        if not cls._existing():
            return []
        hits = cls.store().query_dense(
            cls.get_collection_name(), query_vector, limit, query_filter, with_vectors, exact
        )
        return [cls.from_record(hit) for hit in hits]

    @classmethod
    def search_sparse(
        cls, sparse: SparseEmbedding, limit: int = 10, query_filter: Filter | None = None, with_vectors: bool = False
    ) -> list[Self]:
        """Lexical search: `score` is the IDF-weighted dot product of the sparse vectors, best first."""
        cls._require_vectors()
        if not sparse.indices or not cls._existing():
            return []
        hits = cls.store().query_sparse(cls.get_collection_name(), sparse.to_port(), limit, query_filter, with_vectors)
        return [cls.from_record(hit) for hit in hits]

    @classmethod
    def search_fields(
        cls, query_vector: list[float], limit: int, query_filter: Filter | None, fields: Sequence[str]
    ) -> list[Hit]:
        """Dense search returning raw hits with only these payload fields: ranking many candidates without
        reading (and validating) each of them whole."""
        cls._require_vectors()
        if not cls._existing():
            return []
        return cls.store().query_dense(
            cls.get_collection_name(), query_vector, limit, query_filter, with_payload=list(fields)
        )

    @classmethod
    def retrieve_fields(cls, ids: Iterable[uuid.UUID | str], fields: Sequence[str]) -> list[Hit]:
        """The raw hits (only these payload fields) of the points with these ids that exist, in no set order."""
        wanted = ids_of(ids)
        if not wanted or not cls._existing():
            return []
        return cls.store().retrieve(cls.get_collection_name(), wanted, with_payload=list(fields))

    @classmethod
    def dense_vectors(cls, ids: Iterable[uuid.UUID | str]) -> dict[str, list[float]]:
        """The stored dense vectors of these points (those that exist), by point id; no payloads read."""
        wanted = ids_of(ids)
        if not wanted or not cls._existing():
            return {}
        hits = cls.store().retrieve(cls.get_collection_name(), wanted, with_payload=False, with_vectors=True)
        return {hit.id: hit.dense for hit in hits if hit.dense is not None}

    @classmethod
    def search_sparse_scores(
        cls, sparse: SparseEmbedding, limit: int = 10, query_filter: Filter | None = None
    ) -> list[tuple[str, float]]:
        """Lexical search without payloads: (point id, score) pairs, best first; cheap at any depth."""
        cls._require_vectors()
        if not sparse.indices or not cls._existing():
            return []
        hits = cls.store().query_sparse(
            cls.get_collection_name(), sparse.to_port(), limit, query_filter, with_payload=False
        )
        return [(hit.id, hit.score or 0.0) for hit in hits]

    @classmethod
    def hybrid_search(
        cls,
        dense: list[float],
        sparse: SparseEmbedding,
        limit: int = 10,
        query_filter: Filter | None = None,
        *,
        rrf_k: int,
        weights: tuple[float, float] | None = None,
        with_vectors: WithVectors = False,
        exact: bool = False,
    ) -> list[Self]:
        """Dense and sparse candidates fused by reciprocal-rank fusion in the engine; `score` is the fused score.

        `weights` = (dense, sparse). A query without lexical terms searches dense only (cosine scores).
        """
        cls._require_vectors()
        if not sparse.indices:
            return cls.search(dense, limit, query_filter, with_vectors, exact)
        if not cls._existing():
            return []
        fusion = RrfFusion(k=rrf_k, weights=weights)
        hits = cls.store().query_hybrid(
            cls.get_collection_name(), dense, sparse.to_port(), limit, fusion, query_filter, with_vectors, exact
        )
        return [cls.from_record(hit) for hit in hits]

    @classmethod
    def _require_vectors(cls) -> None:
        if not cls.uses_vectors():
            raise ImproperlyConfigured(f"{cls.get_collection_name()} has no vectors to search")

    # --- registry ------------------------------------------------------------------------------

    @classmethod
    def collection_name_to_class(cls, collection_name: str) -> type[VectorBaseDocument]:
        try:
            return VectorBaseDocument._registry[collection_name]
        except KeyError:
            known = ", ".join(sorted(VectorBaseDocument._registry))
            raise ImproperlyConfigured(
                f"No document class for collection {collection_name!r} (known: {known})"
            ) from None

    @classmethod
    def group_by_class(cls, documents: Iterable[VectorBaseDocument]) -> dict[type[VectorBaseDocument], list]:
        groups: dict[type[VectorBaseDocument], list] = defaultdict(list)
        for document in documents:
            groups[document.__class__].append(document)
        return dict(groups)

    @classmethod
    def group_by_category(cls, documents: Iterable[VectorBaseDocument]) -> dict[DataCategory, list]:
        groups: dict[DataCategory, list] = defaultdict(list)
        for document in documents:
            groups[document.get_category()].append(document)
        return dict(groups)


# --- filters (port-neutral) ---------------------------------------------------------------------------


def field_filter(key: str, value: str | int | bool | uuid.UUID) -> Filter:
    """Points whose payload field `key` equals `value`."""
    return Filter(must=(MatchValue(key, str(value) if isinstance(value, uuid.UUID) else value),))


def field_in_filter(key: str, values: Iterable[str | int | uuid.UUID]) -> Filter:
    """Points whose payload field `key` is one of `values`."""
    return Filter(must=(MatchAny(key, tuple(str(v) if isinstance(v, uuid.UUID) else v for v in values)),))


def ids_filter(ids: Iterable[uuid.UUID | str]) -> Filter:
    """Points with one of these ids."""
    return Filter(must=(HasId(ids_of(ids)),))


def author_filter(author_id: uuid.UUID | str) -> Filter:
    return field_filter("author_id", str(author_id))


def document_filter(document_id: uuid.UUID | str) -> Filter:
    return field_filter("document_id", str(document_id))
