"""The feature pipeline's stages as plain functions (ZenML steps only wire them).

query -> clean (skip documents whose content hash is unchanged) -> chunk + embed -> load. Stages stream
through JsonlStream files in batches, so memory does not grow with the warehouse.

Incremental contract: a cleaned document's stored `content_hash` is the commit marker of its chunks.
It is written only after the document's new chunks landed (the pipeline loads embedded chunks first),
so a crash in between makes the next run redo that document instead of skipping it.
"""

from __future__ import annotations

import statistics
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from llm_engineering.application.preprocessing.batching import batched
from llm_engineering.application.preprocessing.dispatchers import (
    ChunkingDispatcher,
    CleaningDispatcher,
    EmbeddingDispatcher,
    category_of,
)
from llm_engineering.application.preprocessing.jsonl_stream import JsonlStream, JsonlStreamWriter
from llm_engineering.domain.base.vector import VectorBaseDocument, field_in_filter
from llm_engineering.domain.cleaned_documents import (
    CleanedArticleDocument,
    CleanedDocument,
    CleanedPostDocument,
    CleanedRepositoryDocument,
)
from llm_engineering.domain.documents import RAW_DOCUMENT_CLASSES, Document, UserDocument
from llm_engineering.domain.embedded_chunks import (
    EmbeddedArticleChunk,
    EmbeddedChunk,
    EmbeddedPostChunk,
    EmbeddedRepositoryChunk,
)
from llm_engineering.domain.exceptions import LLMTwinException
from llm_engineering.domain.types import DataCategory

CLEANED_CLASSES: dict[DataCategory, type[CleanedDocument]] = {
    DataCategory.ARTICLES: CleanedArticleDocument,
    DataCategory.POSTS: CleanedPostDocument,
    DataCategory.REPOSITORIES: CleanedRepositoryDocument,
}
EMBEDDED_CLASSES: dict[DataCategory, type[EmbeddedChunk]] = {
    DataCategory.ARTICLES: EmbeddedArticleChunk,
    DataCategory.POSTS: EmbeddedPostChunk,
    DataCategory.REPOSITORIES: EmbeddedRepositoryChunk,
}
READ_PAGE = 500  # raw documents per warehouse page
CLEAN_BATCH = 256  # documents per hash lookup in Qdrant
EMBED_BATCH = 512  # chunks per model call (sorted by length inside)
UPSERT_BATCH = 256  # points per Qdrant upsert

Progress = Callable[[int], None]


class UnknownAuthor(LLMTwinException):
    """An author asked for is not in the warehouse."""


@dataclass
class Counts:
    """Counters keyed by (category, author) for step metadata."""

    values: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)

    def add(self, category: str, author: str, name: str, amount: int = 1) -> None:
        by_author = self.values.setdefault(category, {}).setdefault(author, {})
        by_author[name] = by_author.get(name, 0) + amount

    def total(self, name: str) -> int:
        return sum(c.get(name, 0) for authors in self.values.values() for c in authors.values())


# --- query ---------------------------------------------------------------------------------------


def resolve_authors(author_full_names: list[str] | None) -> list[dict[str, str]] | None:
    """Authors asked for -> [{id, full_name}] (read only; never creates a user). None/[] -> every author."""
    names = [name.strip() for name in (author_full_names or []) if name and name.strip()]
    if not names:
        return None
    users = {user.full_name.casefold(): user for user in UserDocument.bulk_find()}
    unknown = [name for name in names if name.casefold() not in users]
    if unknown:
        known = ", ".join(sorted(user.full_name for user in users.values())) or "none: the warehouse has no users"
        raise UnknownAuthor(f"Unknown author(s) {unknown} in the warehouse; known authors: {known}")
    chosen = {users[name.casefold()].id: users[name.casefold()] for name in names}
    return [{"id": str(user_id), "full_name": user.full_name} for user_id, user in chosen.items()]


def iter_raw_documents(authors: list[dict[str, str]] | None) -> Iterator[Document]:
    for document_class in RAW_DOCUMENT_CLASSES:
        if authors is None:
            yield from document_class.bulk_find(page_size=READ_PAGE)
        else:
            for author in authors:
                yield from document_class.bulk_find(page_size=READ_PAGE, author_id=author["id"])


def estimated_documents() -> dict[str, int]:
    return {cls.get_collection_name(): cls.estimated_count() for cls in RAW_DOCUMENT_CLASSES}


# --- clean ---------------------------------------------------------------------------------------


def stored_hashes(cleaned_class: type[CleanedDocument], ids: list[str]) -> dict[str, str]:
    """content_hash of the cleaned documents already in Qdrant whose chunks are there too."""
    embedded_class = EMBEDDED_CLASSES[cleaned_class.get_category()]
    if not ids or not cleaned_class.collection_exists() or not embedded_class.collection_exists():
        return {}
    records = cleaned_class.store().retrieve(cleaned_class.get_collection_name(), ids, with_payload=["content_hash"])
    return {record.id: record.payload.get("content_hash", "") for record in records}


def clean_documents(
    authors: list[dict[str, str]] | None, progress: Progress | None = None
) -> tuple[JsonlStream, Counts]:
    """Clean every raw document; only new or changed ones go into the stream."""
    counts = Counts()
    with JsonlStreamWriter("cleaned") as writer:
        for batch in batched(iter_raw_documents(authors), CLEAN_BATCH):
            by_category: dict[DataCategory, list[CleanedDocument]] = defaultdict(list)
            for raw in batch:
                by_category[category_of(raw)].append(CleaningDispatcher.dispatch(raw))
            for category, cleaned in by_category.items():
                known = stored_hashes(CLEANED_CLASSES[category], [str(doc.id) for doc in cleaned])
                for doc in cleaned:
                    counts.add(category.value, doc.author_full_name, "documents")
                    if known.get(str(doc.id)) == doc.content_hash:
                        counts.add(category.value, doc.author_full_name, "skipped_unchanged")
                        continue
                    counts.add(category.value, doc.author_full_name, "changed_or_new")
                    writer.write({"category": category.value, "document": doc.model_dump(mode="json")})
            if progress:
                progress(len(batch))
        return writer.close(), counts


def read_cleaned(record: dict[str, Any]) -> CleanedDocument:
    return CLEANED_CLASSES[DataCategory(record["category"])].model_validate(record["document"])


# --- chunk and embed ---------------------------------------------------------------------------


def chunk_and_embed(
    cleaned: JsonlStream, progress: Progress | None = None, batch_size: int | None = None
) -> tuple[JsonlStream, Counts, list[int]]:
    """Chunk every cleaned document and embed the chunks in large batches; one output line per document."""
    counts = Counts()
    token_counts: list[int] = []
    pending: list[tuple[CleanedDocument, list]] = []
    pending_chunks = 0

    with JsonlStreamWriter("embedded") as writer:

        def flush() -> None:
            nonlocal pending, pending_chunks
            chunks = [chunk for _, doc_chunks in pending for chunk in doc_chunks]
            embedded = iter(EmbeddingDispatcher.dispatch(chunks, batch_size))
            for doc, doc_chunks in pending:
                mine = [next(embedded) for _ in doc_chunks]
                writer.write(
                    {
                        "category": doc.get_category().value,
                        "document_id": str(doc.id),
                        "chunks": [chunk.model_dump(mode="json") for chunk in mine],
                    }
                )
                category, author = doc.get_category().value, doc.author_full_name
                counts.add(category, author, "documents")
                counts.add(category, author, "chunks", len(doc_chunks))
                counts.add(category, author, "embeddings", len(mine))
                if progress:
                    progress(1)
            pending, pending_chunks = [], 0

        for record in cleaned.iter_records():
            document = read_cleaned(record)
            doc_chunks = ChunkingDispatcher.dispatch(document)
            token_counts.extend(chunk.metadata["token_count"] for chunk in doc_chunks)
            pending.append((document, doc_chunks))
            pending_chunks += len(doc_chunks)
            if pending_chunks >= EMBED_BATCH:
                flush()
        if pending:
            flush()
        return writer.close(), counts, token_counts


def token_summary(token_counts: list[int]) -> dict[str, float]:
    if not token_counts:
        return {"min": 0, "mean": 0.0, "max": 0}
    return {
        "min": min(token_counts),
        "mean": round(statistics.fmean(token_counts), 1),
        "max": max(token_counts),
    }


# --- load ------------------------------------------------------------------------------------------


def load_stream(stream: JsonlStream, progress: Progress | None = None) -> dict[str, int]:
    """Upsert a stream into Qdrant in batches. Embedded: each document's old chunks go first (no orphans)."""
    written: dict[str, int] = defaultdict(int)
    if stream.kind == "cleaned":
        for batch in stream.iter_batches(UPSERT_BATCH):
            for cleaned_class, docs in VectorBaseDocument.group_by_class(read_cleaned(r) for r in batch).items():
                written[cleaned_class.get_collection_name()] += cleaned_class.bulk_insert(docs, UPSERT_BATCH)
            if progress:
                progress(len(batch))
    elif stream.kind == "embedded":
        for batch in _batched_by_chunks(stream.iter_records(), UPSERT_BATCH):
            by_category: dict[DataCategory, list[dict[str, Any]]] = defaultdict(list)
            for record in batch:
                by_category[DataCategory(record["category"])].append(record)
            for category, records in by_category.items():
                embedded_class = EMBEDDED_CLASSES[category]
                delete_chunks_of(embedded_class, [record["document_id"] for record in records])
                chunks = [embedded_class.model_validate(chunk) for record in records for chunk in record["chunks"]]
                written[embedded_class.get_collection_name()] += embedded_class.bulk_insert(chunks, UPSERT_BATCH)
            if progress:
                progress(len(batch))
    else:
        raise LLMTwinException(f"Unknown stream kind {stream.kind!r}")
    for name in written:
        # Index building (when enough new points accumulated) happens here, at the end of a load.
        VectorBaseDocument.collection_name_to_class(name).finish_load()
    return dict(written)


def delete_chunks_of(embedded_class: type[EmbeddedChunk], document_ids: list[str | uuid.UUID]) -> None:
    if document_ids:
        embedded_class.delete(field_in_filter("document_id", document_ids))


# --- helpers -------------------------------------------------------------------------------------


def _batched_by_chunks(records: Iterable[dict[str, Any]], chunk_budget: int) -> Iterator[list[dict[str, Any]]]:
    """Groups of documents holding about `chunk_budget` chunks (a big document still goes whole)."""
    batch: list[dict[str, Any]] = []
    chunks = 0
    for record in records:
        batch.append(record)
        chunks += len(record["chunks"])
        if chunks >= chunk_budget:
            yield batch
            batch, chunks = [], 0
    if batch:
        yield batch
