"""A small pydantic ODM over Qdrant.

Each subclass names its collection in `Settings`. Embedded collections carry a named dense vector
(`dense`, cosine) and a named sparse vector (`bm25`, IDF computed by Qdrant); payload-only collections
(cleaned documents) carry no vectors. Importing this module does no I/O.
"""

from __future__ import annotations

import uuid
import warnings
from abc import ABC
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar, Self

from pydantic import UUID4, BaseModel, Field
from qdrant_client import models

from llm_engineering.domain.exceptions import ImproperlyConfigured
from llm_engineering.domain.types import DataCategory

DENSE_VECTOR = "dense"
SPARSE_VECTOR = "bm25"
EMBEDDING_SIZE = 384


class SparseEmbedding(BaseModel):
    """A sparse vector: token ids and their weights."""

    indices: list[int] = Field(default_factory=list)
    values: list[float] = Field(default_factory=list)

    def to_qdrant(self) -> models.SparseVector:
        return models.SparseVector(indices=self.indices, values=self.values)


class VectorBaseDocument(BaseModel, ABC):
    id: UUID4 = Field(default_factory=uuid.uuid4)
    # Similarity of a search hit; never stored.
    score: float | None = Field(default=None, exclude=True)

    class Settings:
        name: str = ""
        category: DataCategory | None = None
        use_vector_index: bool = False
        vector_size: int = EMBEDDING_SIZE

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

    def to_point(self) -> models.PointStruct:
        payload = self.model_dump(mode="json", exclude={"id", "score", "embedding", "sparse_embedding"})
        vectors: dict[str, Any] = {}
        embedding = getattr(self, "embedding", None)
        if embedding is not None:
            vectors[DENSE_VECTOR] = [float(x) for x in embedding]
        sparse = getattr(self, "sparse_embedding", None)
        if sparse is not None:
            vectors[SPARSE_VECTOR] = sparse.to_qdrant()
        return models.PointStruct(id=str(self.id), vector=vectors, payload=payload)

    @classmethod
    def from_record(cls, point: models.Record | models.ScoredPoint) -> Self:
        data: dict[str, Any] = dict(point.payload or {})
        data["id"] = str(point.id)
        vector = point.vector
        if isinstance(vector, dict) and "embedding" in cls.model_fields:
            dense = vector.get(DENSE_VECTOR)
            if dense is not None:
                data["embedding"] = dense
            sparse = vector.get(SPARSE_VECTOR)
            if sparse is not None and "sparse_embedding" in cls.model_fields:
                data["sparse_embedding"] = {"indices": list(sparse.indices), "values": list(sparse.values)}
        document = cls.model_validate(data)
        document.score = getattr(point, "score", None)
        return document

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
    def client(cls):  # noqa: ANN206 - QdrantClient, imported lazily
        from llm_engineering.infrastructure.db.qdrant import get_qdrant_client

        return get_qdrant_client()

    @classmethod
    def collection_exists(cls) -> bool:
        return bool(cls.client().collection_exists(cls.get_collection_name()))

    @classmethod
    def create_collection(cls) -> None:
        """Create the collection with this class's vector parameters (only call when it is missing)."""
        client = cls.client()
        name = cls.get_collection_name()
        if cls.uses_vectors():
            size = getattr(cls.Settings, "vector_size", EMBEDDING_SIZE)
            client.create_collection(
                collection_name=name,
                vectors_config={DENSE_VECTOR: models.VectorParams(size=size, distance=models.Distance.COSINE)},
                sparse_vectors_config={SPARSE_VECTOR: models.SparseVectorParams(modifier=models.Modifier.IDF)},
            )
        else:
            client.create_collection(collection_name=name, vectors_config={})
        with warnings.catch_warnings():
            # Local mode ignores payload indexes (and says so); a server uses them for filtered search.
            warnings.filterwarnings("ignore", message="Payload indexes have no effect")
            for field in ("author_id", "document_id"):
                client.create_payload_index(name, field_name=field, field_schema=models.PayloadSchemaType.KEYWORD)

    @classmethod
    def ensure_collection(cls) -> None:
        if not cls.collection_exists():
            cls.create_collection()

    # --- writes --------------------------------------------------------------------------------

    @classmethod
    def bulk_insert(cls, documents: Iterable[Self], batch_size: int = 256) -> int:
        """Upsert documents in batches (same id -> overwritten, never duplicated). Returns the count."""
        cls.ensure_collection()
        client = cls.client()
        name = cls.get_collection_name()
        written = 0
        batch: list[models.PointStruct] = []
        for document in documents:
            batch.append(document.to_point())
            if len(batch) >= batch_size:
                client.upsert(collection_name=name, points=batch, wait=True)
                written += len(batch)
                batch = []
        if batch:
            client.upsert(collection_name=name, points=batch, wait=True)
            written += len(batch)
        return written

    @classmethod
    def delete(cls, query_filter: models.Filter) -> None:
        """Delete every point matching the filter (nothing happens when the collection is missing)."""
        if cls.collection_exists():
            cls.client().delete(
                collection_name=cls.get_collection_name(),
                points_selector=models.FilterSelector(filter=query_filter),
                wait=True,
            )

    # --- reads ---------------------------------------------------------------------------------

    @classmethod
    def bulk_find(
        cls,
        limit: int = 256,
        offset: str | None = None,
        with_vectors: bool = False,
        query_filter: models.Filter | None = None,
    ) -> tuple[list[Self], str | None]:
        """One page of documents and the offset of the next page (None at the end)."""
        if not cls.collection_exists():
            return [], None
        records, next_offset = cls.client().scroll(
            collection_name=cls.get_collection_name(),
            limit=limit,
            offset=offset,
            with_payload=True,
            with_vectors=with_vectors,
            scroll_filter=query_filter,
        )
        return [cls.from_record(record) for record in records], (str(next_offset) if next_offset else None)

    @classmethod
    def iter_all(
        cls, page_size: int = 256, with_vectors: bool = False, query_filter: models.Filter | None = None
    ) -> Iterator[Self]:
        """Every document, streamed page by page."""
        offset: str | None = None
        while True:
            page, offset = cls.bulk_find(page_size, offset, with_vectors, query_filter)
            yield from page
            if offset is None:
                return

    @classmethod
    def search(
        cls,
        query_vector: list[float],
        limit: int = 10,
        query_filter: models.Filter | None = None,
        with_vectors: bool = False,
    ) -> list[Self]:
        """Dense similarity search (cosine), best first, each hit with its `score`."""
        if not cls.uses_vectors():
            raise ImproperlyConfigured(f"{cls.get_collection_name()} has no vectors to search")
        if not cls.collection_exists():
            return []
        response = cls.client().query_points(
            collection_name=cls.get_collection_name(),
            query=query_vector,
            using=DENSE_VECTOR,
            limit=limit,
            query_filter=query_filter,
            with_payload=True,
            with_vectors=with_vectors,
        )
        return [cls.from_record(point) for point in response.points]

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


def author_filter(author_id: uuid.UUID | str) -> models.Filter:
    return models.Filter(must=[models.FieldCondition(key="author_id", match=models.MatchValue(value=str(author_id)))])


def document_filter(document_id: uuid.UUID | str) -> models.Filter:
    return models.Filter(
        must=[models.FieldCondition(key="document_id", match=models.MatchValue(value=str(document_id)))]
    )
