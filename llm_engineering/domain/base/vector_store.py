"""The vector-store port: what the ODM, the pipelines and the retriever need from a vector engine.

Pure types and one abstract interface, no I/O. Adapters (infrastructure/vector_store/) translate these
types to one engine each; no engine type crosses this boundary.

Every collection with vectors has a named dense vector (`dense`, cosine) and a named sparse vector (`bm25`,
scored with the engine's IDF modifier). Payload-only collections have neither. Point ids are UUID strings.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

DENSE_VECTOR = "dense"
SPARSE_VECTOR = "bm25"
# Payload fields every collection indexes: filtered search and delete-by-document stay fast at any size.
KEYWORD_INDEXES: tuple[str, ...] = ("author_id", "document_id")
# The field that splits the data by owner: the engine stores each author's points together, which makes
# author-filtered searches faster.
TENANT_FIELD = "author_id"


# --- vectors and points --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SparseVector:
    """Token ids and their weights."""

    indices: tuple[int, ...] = ()
    values: tuple[float, ...] = ()


@dataclass(slots=True)
class Point:
    """One stored point: id, payload and its vectors (none for payload-only collections)."""

    id: str
    payload: dict[str, Any]
    dense: list[float] | None = None
    sparse: SparseVector | None = None


@dataclass(slots=True)
class Hit:
    """A point read back: `score` is set for query results, None for retrieve/scroll."""

    id: str
    payload: dict[str, Any] = field(default_factory=dict)
    score: float | None = None
    dense: list[float] | None = None
    sparse: SparseVector | None = None


# --- filters -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MatchValue:
    """The payload field `key` equals `value`."""

    key: str
    value: str | int | bool


@dataclass(frozen=True, slots=True)
class MatchAny:
    """The payload field `key` equals one of `values`."""

    key: str
    values: tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class HasId:
    """The point id is one of `ids`."""

    ids: tuple[str, ...]


Condition = MatchValue | MatchAny | HasId


@dataclass(frozen=True, slots=True)
class Filter:
    """All of `must`, none of `must_not`, and at least one of `should` (when given)."""

    must: tuple[Condition, ...] = ()
    should: tuple[Condition, ...] = ()
    must_not: tuple[Condition, ...] = ()

    def __and__(self, other: Filter | None) -> Filter:
        if other is None:
            return self
        if self.should and other.should:
            raise ValueError("Cannot combine two filters that both have `should` conditions")
        return Filter(self.must + other.must, self.should or other.should, self.must_not + other.must_not)


def combine(*filters: Filter | None) -> Filter | None:
    """All the given filters at once (None entries ignored; None when nothing is left)."""
    result: Filter | None = None
    for query_filter in filters:
        if query_filter is not None:
            result = query_filter if result is None else result & query_filter
    return result


# --- collections and queries ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CollectionSpec:
    """What a collection must look like. `dense_size` None: payload only (no vectors)."""

    name: str
    dense_size: int | None
    keyword_indexes: tuple[str, ...] = KEYWORD_INDEXES
    tenant_field: str | None = TENANT_FIELD  # one of keyword_indexes, or None


@dataclass(frozen=True, slots=True)
class CollectionInfo:
    """What a collection looks like in the store."""

    name: str
    dense_size: int | None
    distance: str | None  # "cosine", "dot", ... lower case
    sparse: bool
    sparse_idf: bool
    points: int


@dataclass(frozen=True, slots=True)
class RrfFusion:
    """Reciprocal-rank fusion of the dense and the sparse ranking: weight / (k + rank) per list."""

    k: int
    weights: tuple[float, float] | None = None  # (dense, sparse); None: equal


# True/False, or the names of the vectors to return (e.g. only DENSE_VECTOR: sparse vectors are long).
WithVectors = bool | Sequence[str]
# True/False, or the names of the payload fields to return.
PayloadSelection = bool | Sequence[str]


def vector_selection(with_vectors: WithVectors) -> bool | list[str]:
    """`with_vectors` as both engines take it: all or none, or a list of vector names."""
    return with_vectors if isinstance(with_vectors, bool) else list(with_vectors)


def payload_selection(with_payload: PayloadSelection) -> bool | list[str]:
    """`with_payload` as both engines take it: all or none, or a list of field names."""
    return with_payload if isinstance(with_payload, bool) else list(with_payload)


class VectorStore(ABC):
    """One vector engine. Methods on a missing collection raise, except `collection_exists`."""

    @abstractmethod
    def list_collections(self) -> list[str]: ...

    @abstractmethod
    def collection_exists(self, name: str) -> bool: ...

    @abstractmethod
    def create_collection(self, spec: CollectionSpec) -> None:
        """Create a missing collection with its vectors and payload indexes."""

    @abstractmethod
    def describe(self, name: str) -> CollectionInfo: ...

    @abstractmethod
    def drop_collection(self, name: str) -> None:
        """Remove the collection and its data (nothing happens when it is missing)."""

    @abstractmethod
    def upsert(self, name: str, points: Sequence[Point]) -> None:
        """Insert or overwrite points by id; durable when it returns."""

    @abstractmethod
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
        """Best `limit` points by cosine similarity. `exact` skips any approximate index."""

    @abstractmethod
    def query_sparse(
        self,
        name: str,
        vector: SparseVector,
        limit: int,
        query_filter: Filter | None = None,
        with_vectors: WithVectors = False,
        with_payload: PayloadSelection = True,
    ) -> list[Hit]:
        """Best `limit` points by IDF-weighted dot product of sparse vectors (`with_payload=False`: ids and
        scores only, the cheap way to rank deep)."""

    @abstractmethod
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
        """Dense and sparse candidates (`limit` each) fused by RRF; `score` is the fused score."""

    @abstractmethod
    def retrieve(
        self, name: str, ids: Sequence[str], with_payload: PayloadSelection = True, with_vectors: bool = False
    ) -> list[Hit]:
        """The points with these ids that exist (any order)."""

    @abstractmethod
    def scroll(
        self,
        name: str,
        limit: int,
        offset: str | None = None,
        query_filter: Filter | None = None,
        with_payload: bool = True,
        with_vectors: bool = False,
    ) -> tuple[list[Hit], str | None]:
        """One page in id order and the offset of the next page (None at the end)."""

    @abstractmethod
    def count(self, name: str, query_filter: Filter | None = None) -> int: ...

    @abstractmethod
    def delete(self, name: str, query_filter: Filter) -> None: ...

    @abstractmethod
    def set_payload(self, name: str, query_filter: Filter, payload: dict[str, Any]) -> None:
        """Merge `payload` into every matching point's payload (vectors untouched)."""

    def finish_load(self, name: str) -> None:  # noqa: B027 - optional hook, nothing to do by default
        """A bulk load into `name` ended: build indexes now if the engine needs it (never on a request path)."""

    def flush(self) -> None:  # noqa: B027 - optional hook
        """Make every write durable on disk."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release files, locks and connections."""


def ids_of(values: Iterable[object]) -> tuple[str, ...]:
    return tuple(str(value) for value in values)
