"""The feature pipeline's stages as plain functions (ZenML steps only wire them).

query -> reconcile (prune what the warehouse lost) -> clean (unchanged text: skip, or update the payload
when only metadata moved) -> chunk + embed -> load. Stages stream through JsonlStream files in batches,
and the store is read in pages of ids, so memory does not grow with the warehouse or the store.

Incremental contract: a cleaned document's stored `content_hash` is the commit marker of its chunks.
It is written only after the document's new chunks landed (the pipeline loads embedded chunks first),
so a crash in between makes the next run redo that document instead of skipping it.
"""

from __future__ import annotations

import json
import statistics
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from llm_engineering.application.preprocessing.batching import batched
from llm_engineering.application.preprocessing.boilerplate import BoilerplateDetector, with_boilerplate
from llm_engineering.application.preprocessing.dispatchers import (
    ChunkingDispatcher,
    CleaningDispatcher,
    EmbeddingDispatcher,
    category_of,
)
from llm_engineering.application.preprocessing.jsonl_stream import JsonlStream, JsonlStreamWriter
from llm_engineering.application.rag.authors import AuthorDirectory, UnknownAuthor
from llm_engineering.domain.base.vector import VectorBaseDocument, field_in_filter, ids_filter
from llm_engineering.domain.cleaned_documents import (
    CleanedArticleDocument,
    CleanedDocument,
    CleanedPostDocument,
    CleanedRepositoryDocument,
)
from llm_engineering.domain.documents import RAW_DOCUMENT_CLASSES, Document
from llm_engineering.domain.embedded_chunks import (
    EmbeddedArticleChunk,
    EmbeddedChunk,
    EmbeddedPostChunk,
    EmbeddedRepositoryChunk,
)
from llm_engineering.domain.exceptions import LLMTwinException
from llm_engineering.domain.types import DataCategory
from llm_engineering.settings import get_settings

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
RECONCILE_PAGE = 1000  # stored ids per page when comparing the store with the warehouse
EMBED_BATCH = 512  # chunks per model call (sorted by length inside)
UPSERT_BATCH = 256  # points per Qdrant upsert

__all__ = ["UnknownAuthor", "resolve_authors"]  # re-exported: the pipeline's author errors come from the resolver

RAW_CLASSES: dict[DataCategory, type[Document]] = {
    DataCategory(raw_class.get_collection_name()): raw_class for raw_class in RAW_DOCUMENT_CLASSES
}
# Payload fields that follow the raw document without re-embedding (the text is what the vectors encode).
SYNCED_FIELDS = ("author_id", "author_full_name", "platform", "link", "name", "image")

Progress = Callable[[int], None]


@dataclass
class Counts:
    """Counters keyed by (category, author) for step metadata."""

    values: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)  # figures not keyed by (category, author)

    def add(self, category: str, author: str, name: str, amount: int = 1) -> None:
        by_author = self.values.setdefault(category, {}).setdefault(author, {})
        by_author[name] = by_author.get(name, 0) + amount

    def total(self, name: str) -> int:
        return sum(c.get(name, 0) for authors in self.values.values() for c in authors.values())


# --- query ---------------------------------------------------------------------------------------


def resolve_authors(author_full_names: list[str] | None) -> list[dict[str, str]] | None:
    """Authors asked for -> [{id, full_name}] (read only; never creates a user). None/[] -> every author."""
    authors = AuthorDirectory(ttl_s=0).resolve_many(author_full_names)
    return None if authors is None else [{"id": a.id, "full_name": a.full_name} for a in authors]


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


Boilerplate = tuple[BoilerplateDetector, dict[str, set[bytes]]]


def find_boilerplate(authors: list[dict[str, str]] | None) -> Boilerplate:
    """The authors' boilerplate paragraphs over their warehouse documents, by a cleaning pass of its own.

    For the readers that check one document against the store (the doctor, the lineage trace): they must
    mark it as the pipeline does, or every document with boilerplate would look stale.
    """
    detector = BoilerplateDetector(get_settings().BOILERPLATE_MIN_DOCUMENTS)
    if detector.min_documents > 0:
        for raw in iter_raw_documents(authors):
            detector.add(CleaningDispatcher.dispatch(raw))
    return detector, detector.repeated()


def mark_boilerplate(document: CleanedDocument, boilerplate: Boilerplate) -> CleanedDocument:
    detector, repeated = boilerplate
    return with_boilerplate(document, detector.spans(document, repeated))


def stored_documents(cleaned_class: type[CleanedDocument], ids: list[str]) -> dict[str, CleanedDocument]:
    """The cleaned documents already in the store whose chunks collection exists too, by id."""
    embedded_class = EMBEDDED_CLASSES[cleaned_class.get_category()]
    if not ids or not embedded_class.collection_exists():
        return {}
    return {str(doc.id): doc for doc in cleaned_class.retrieve(ids)}


def metadata_changes(stored: CleanedDocument, current: CleanedDocument) -> dict[str, Any]:
    """The synced payload fields whose value moved (author renamed or re-attributed, link, platform...)."""
    fields = [name for name in SYNCED_FIELDS if name in type(current).model_fields]
    before = stored.model_dump(mode="json", include=set(fields))
    after = current.model_dump(mode="json", include=set(fields))
    return {name: value for name, value in after.items() if before.get(name) != value}


def reattribute(category: DataCategory, changes: dict[str, dict[str, Any]]) -> None:
    """Write moved metadata into the cleaned documents and every chunk of theirs: a payload update, no model.

    `changes` maps document id -> changed fields; documents sharing the same change go in one update.
    """
    grouped: dict[str, list[str]] = defaultdict(list)
    for document_id, fields in changes.items():
        grouped[json.dumps(fields, sort_keys=True)].append(document_id)
    for fields_json, document_ids in grouped.items():
        payload = json.loads(fields_json)
        CLEANED_CLASSES[category].set_payload(document_ids, payload)
        EMBEDDED_CLASSES[category].set_payload(field_in_filter("document_id", document_ids), payload)


def clean_documents(
    authors: list[dict[str, str]] | None, progress: Progress | None = None
) -> tuple[JsonlStream, Counts]:
    """Clean every raw document; new or changed text goes into the stream, moved metadata is patched in place.

    Two passes: the first cleans everything into a temp file while counting paragraphs per author (boilerplate
    needs all of an author's documents); the second marks each document's boilerplate spans (they are part of
    its content hash) and compares with the store.
    """
    counts = Counts()
    detector = BoilerplateDetector(get_settings().BOILERPLATE_MIN_DOCUMENTS)
    names: dict[str, str] = {}
    with JsonlStreamWriter("cleaning") as everything:
        for batch in batched(iter_raw_documents(authors), CLEAN_BATCH):
            for raw in batch:
                cleaned = CleaningDispatcher.dispatch(raw)
                detector.add(cleaned)
                names[str(cleaned.author_id)] = cleaned.author_full_name
                everything.write({"category": category_of(cleaned).value, "document": cleaned.model_dump(mode="json")})
            if progress:
                progress(len(batch))
    try:
        repeated = detector.repeated()
        counts.details["boilerplate_paragraphs_per_author"] = {
            names[author]: len(keys) for author, keys in sorted(repeated.items(), key=lambda item: names[item[0]])
        }
        with JsonlStreamWriter("cleaned") as writer:
            for batch in everything.stream.iter_batches(CLEAN_BATCH):
                _compare_with_store([read_cleaned(record) for record in batch], detector, repeated, counts, writer)
            return writer.close(), counts
    finally:
        Path(everything.stream.path).unlink(missing_ok=True)


def _compare_with_store(
    batch: list[CleanedDocument],
    detector: BoilerplateDetector,
    repeated: dict[str, set[bytes]],
    counts: Counts,
    writer: JsonlStreamWriter,
) -> None:
    """Changed or new documents go to `writer`; unchanged ones with moved metadata are patched in place."""
    by_category: dict[DataCategory, list[CleanedDocument]] = defaultdict(list)
    for document in batch:
        by_category[category_of(document)].append(mark_boilerplate(document, (detector, repeated)))
    for category, cleaned in by_category.items():
        known = stored_documents(CLEANED_CLASSES[category], [str(doc.id) for doc in cleaned])
        moved: dict[str, dict[str, Any]] = {}
        for doc in cleaned:
            tally = partial(counts.add, category.value, doc.author_full_name)
            tally("documents")
            if doc.boilerplate_spans:
                tally("boilerplate_documents")
                tally("boilerplate_paragraphs", len(doc.boilerplate_spans))
            previous = known.get(str(doc.id))
            if previous is not None and previous.content_hash == doc.content_hash:
                tally("skipped_unchanged")
                changes = metadata_changes(previous, doc)
                if changes:
                    moved[str(doc.id)] = changes
                tally("re_attributed" if changes else "unchanged")
                continue
            tally("changed_or_new")
            tally("re_embedded" if previous is not None else "new")
            writer.write({"category": category.value, "document": doc.model_dump(mode="json")})
        reattribute(category, moved)


# --- reconcile -----------------------------------------------------------------------------------


def reconcile(page_size: int = RECONCILE_PAGE) -> dict[str, int]:
    """Remove cleaned documents and chunks whose raw document left the warehouse.

    Streams the store's ids page by page and asks the warehouse which of each page still exist, so
    neither side is ever held whole in memory. Chunks are checked too: a run interrupted between
    loading chunks and their cleaned document leaves chunks that no cleaned document lists.
    """
    pruned = {"pruned_documents": 0, "pruned_chunks": 0}
    for category, raw_class in RAW_CLASSES.items():
        cleaned_class, embedded_class = CLEANED_CLASSES[category], EMBEDDED_CLASSES[category]
        for page in batched(cleaned_class.iter_ids(page_size), page_size):
            gone = set(page) - raw_class.existing_ids(page)
            if gone:
                pruned["pruned_chunks"] += _delete_chunks(embedded_class, gone)
                cleaned_class.delete(ids_filter(gone))
                pruned["pruned_documents"] += len(gone)
        for chunks in batched(embedded_class.iter_all(page_size), page_size):
            document_ids = {str(chunk.document_id) for chunk in chunks}
            gone = document_ids - raw_class.existing_ids(document_ids)
            if gone:
                pruned["pruned_chunks"] += _delete_chunks(embedded_class, gone)
    return pruned


def _delete_chunks(embedded_class: type[EmbeddedChunk], document_ids: set[str]) -> int:
    query_filter = field_in_filter("document_id", document_ids)
    found = embedded_class.count(query_filter)
    if found:
        embedded_class.delete(query_filter)
    return found


def drop_feature_store() -> list[str]:
    """`--full-rebuild`: drop every feature collection (the warehouse is untouched). Returns the dropped names."""
    dropped = []
    for feature_class in (*CLEANED_CLASSES.values(), *EMBEDDED_CLASSES.values()):
        if feature_class.collection_exists():
            feature_class.drop_collection()
            dropped.append(feature_class.get_collection_name())
    return dropped


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
                        "chunks": mine,  # the writer serialises the models (JSON mode)
                    }
                )
                category, author = doc.get_category().value, doc.author_full_name
                counts.add(category, author, "documents")
                counts.add(category, author, "chunks", len(doc_chunks))
                counts.add(category, author, "embeddings", len(mine))
                flagged = sum(1 for chunk in doc_chunks if chunk.metadata.get("boilerplate"))
                if flagged:
                    counts.add(category, author, "boilerplate_chunks", flagged)
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
