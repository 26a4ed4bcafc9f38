"""A small pydantic ODM over MongoDB.

Documents are pydantic models; `id` (a UUID) is stored as the string `_id`, so backups are plain JSON.
The database is reached lazily through the infrastructure adapter: importing this module does no I/O.
"""

from __future__ import annotations

import uuid
from abc import ABC
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar, Self

from pydantic import UUID4, BaseModel, ConfigDict, Field
from pymongo import ASCENDING, IndexModel
from pymongo.collection import Collection
from pymongo.errors import BulkWriteError, DuplicateKeyError

from llm_engineering.domain.exceptions import ImproperlyConfigured, LLMTwinException

DUPLICATE_KEY = 11000


class DuplicateDocument(LLMTwinException):
    """Another document already holds a unique value (for example the same `link`)."""


class NoSQLBaseDocument(BaseModel, ABC):
    model_config = ConfigDict(populate_by_name=True)

    id: UUID4 = Field(default_factory=uuid.uuid4)

    # Collections whose indexes this process already ensured (index creation is idempotent but not free).
    _indexed: ClassVar[set[tuple[str, str]]] = set()

    class Settings:
        name: str = ""
        indexes: list[IndexModel] = []

    def __eq__(self, other: object) -> bool:
        return isinstance(other, self.__class__) and self.id == other.id

    def __hash__(self) -> int:
        return hash(self.id)

    # --- mapping -------------------------------------------------------------------------------

    def to_mongo(self, **dump_kwargs: Any) -> dict[str, Any]:
        data = self.model_dump(mode="json", exclude_unset=False, **dump_kwargs)
        data["_id"] = data.pop("id")
        return data

    @classmethod
    def from_mongo(cls, data: dict[str, Any]) -> Self:
        if not data:
            raise ValueError("Cannot build a document from empty data")
        data = dict(data)
        data["id"] = str(data.pop("_id"))
        return cls.model_validate(data)

    # --- collection ----------------------------------------------------------------------------

    @classmethod
    def get_collection_name(cls) -> str:
        name = getattr(cls.Settings, "name", "")
        if not name:
            raise ImproperlyConfigured(f"{cls.__name__} has no Settings.name: it is not a stored document")
        return name

    @classmethod
    def collection(cls) -> Collection:
        from llm_engineering.infrastructure.db.mongo import get_database

        database = get_database()
        collection = database[cls.get_collection_name()]
        key = (database.name, collection.name)
        indexes = getattr(cls.Settings, "indexes", [])
        if indexes and key not in NoSQLBaseDocument._indexed:
            collection.create_indexes(indexes)
            NoSQLBaseDocument._indexed.add(key)
        return collection

    @classmethod
    def ensure_indexes(cls) -> None:
        cls.collection()

    # --- writes --------------------------------------------------------------------------------

    def save(self) -> Self:
        """Insert or replace this document by id."""
        try:
            self.collection().replace_one({"_id": str(self.id)}, self.to_mongo(), upsert=True)
        except DuplicateKeyError as error:
            raise DuplicateDocument(f"{self.__class__.__name__} {self.id}: {error.details or error}") from None
        return self

    @classmethod
    def get_or_create(cls, **filter_options: Any) -> Self:
        """Atomically find the document matching `filter_options` or create it (a single upsert).

        Two callers racing on the same filter get the same document; only one is ever created.
        """
        filter_options = _jsonable(filter_options)
        new_document = cls(**filter_options).to_mongo()
        on_insert = {key: value for key, value in new_document.items() if key not in filter_options}
        collection = cls.collection()
        try:
            collection.update_one(filter_options, {"$setOnInsert": on_insert}, upsert=True)
        except DuplicateKeyError:
            pass  # a concurrent upsert won the race on a unique index: read the winner below
        found = collection.find_one(filter_options)
        if found is None:
            raise LLMTwinException(f"{cls.__name__} matching {filter_options} vanished right after its upsert")
        return cls.from_mongo(found)

    @classmethod
    def bulk_insert(cls, documents: Iterable[Self], batch_size: int = 500) -> int:
        """Insert many documents; ones whose id already exists are kept as they are (not an error).

        Returns how many were newly inserted. A document that clashes with *another* document's unique
        value (say, a second document for a known `link`) is skipped too: the warehouse keeps one.
        """
        inserted = 0
        batch: list[dict[str, Any]] = []
        for document in documents:
            batch.append(document.to_mongo())
            if len(batch) >= batch_size:
                inserted += cls._insert_batch(batch)
                batch = []
        if batch:
            inserted += cls._insert_batch(batch)
        return inserted

    @classmethod
    def _insert_batch(cls, batch: list[dict[str, Any]]) -> int:
        try:
            return len(cls.collection().insert_many(batch, ordered=False).inserted_ids)
        except BulkWriteError as error:
            others = [e for e in error.details.get("writeErrors", []) if e.get("code") != DUPLICATE_KEY]
            if others:
                raise LLMTwinException(f"Bulk insert into {cls.get_collection_name()} failed: {others[:3]}") from None
            return int(error.details.get("nInserted", 0))

    @classmethod
    def bulk_upsert(cls, documents: Iterable[Self], batch_size: int = 500) -> tuple[int, int]:
        """Insert or replace many documents by id. Returns (inserted, replaced)."""
        from pymongo import ReplaceOne

        inserted = replaced = 0
        batch: list[ReplaceOne] = []

        def flush() -> None:
            nonlocal inserted, replaced, batch
            if batch:
                result = cls.collection().bulk_write(batch, ordered=False)
                inserted += result.upserted_count
                replaced += result.matched_count
                batch = []

        for document in documents:
            data = document.to_mongo()
            batch.append(ReplaceOne({"_id": data["_id"]}, data, upsert=True))
            if len(batch) >= batch_size:
                flush()
        flush()
        return inserted, replaced

    @classmethod
    def delete(cls, **filter_options: Any) -> int:
        return int(cls.collection().delete_many(_jsonable(filter_options)).deleted_count)

    # --- reads ---------------------------------------------------------------------------------

    @classmethod
    def find(cls, **filter_options: Any) -> Self | None:
        found = cls.collection().find_one(_jsonable(filter_options))
        return cls.from_mongo(found) if found else None

    @classmethod
    def bulk_find(cls, page_size: int = 500, **filter_options: Any) -> Iterator[Self]:
        """Stream every matching document, one page at a time (keyset paging on `_id`).

        Memory stays at one page whatever the collection's size, and pages never skip or repeat
        a document even when others are inserted meanwhile.
        """
        query = _jsonable(filter_options)
        last_id: str | None = None
        while True:
            page_query = query if last_id is None else _after(query, last_id)
            page = list(cls.collection().find(page_query).sort("_id", ASCENDING).limit(page_size))
            for data in page:
                yield cls.from_mongo(data)
            if len(page) < page_size:
                return
            last_id = page[-1]["_id"]

    @classmethod
    def existing_ids(cls, ids: Iterable[uuid.UUID | str]) -> set[str]:
        """Which of `ids` are stored (one query, ids only)."""
        wanted = [str(document_id) for document_id in ids]
        if not wanted:
            return set()
        return {str(data["_id"]) for data in cls.collection().find({"_id": {"$in": wanted}}, {"_id": 1})}

    @classmethod
    def distinct_values(cls, field: str) -> set[str]:
        """Every value `field` takes in the collection, as strings."""
        return {str(value) for value in cls.collection().distinct(field) if value is not None}

    @classmethod
    def estimated_count(cls) -> int:
        """Fast total (count_documents is slow on the embedded server: keep it off hot paths)."""
        return int(cls.collection().estimated_document_count())


def _after(query: dict[str, Any], last_id: str) -> dict[str, Any]:
    """`query` restricted to ids after `last_id` (keeps a plain dict when it can: simpler for the server)."""
    if "_id" in query:
        return {"$and": [query, {"_id": {"$gt": last_id}}]}
    return {**query, "_id": {"$gt": last_id}}


def _jsonable(filter_options: dict[str, Any]) -> dict[str, Any]:
    """UUIDs are stored as strings: let callers filter with UUID objects."""
    return {key: str(value) if isinstance(value, uuid.UUID) else value for key, value in filter_options.items()}
