"""Does the feature store say what the warehouse says? The consistency report behind `tools.doctor`.

Five findings, each read in pages (the warehouse by keyset pages, the store by pages of ids or points):
- missing: a raw document with no cleaned document in the store;
- stale: its stored content hash differs from what cleaning it now gives (the text changed, or which of its
  paragraphs are its author's boilerplate);
- orphaned: a cleaned document or chunk whose raw document is gone;
- wrong_author: a cleaned document or chunk attributed to another author than its raw document;
- wrong_model: chunks cut or embedded under another model or chunking recipe than the current one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from llm_engineering.application.preprocessing.batching import batched
from llm_engineering.application.preprocessing.dispatchers import CleaningDispatcher
from llm_engineering.application.preprocessing.feature_service import (
    CLEANED_CLASSES,
    EMBEDDED_CLASSES,
    RAW_CLASSES,
    READ_PAGE,
    RECONCILE_PAGE,
    Boilerplate,
    find_boilerplate,
    mark_boilerplate,
)
from llm_engineering.domain.documents import Document
from llm_engineering.domain.types import DataCategory

KINDS = ("missing", "stale", "orphaned", "wrong_author", "wrong_model")
AUTHOR_FIELDS = ("author_id", "author_full_name")


@dataclass
class ConsistencyReport:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    examples: dict[str, list[dict[str, str]]] = field(default_factory=lambda: {kind: [] for kind in KINDS})
    checked: dict[str, int] = field(default_factory=lambda: {"raw_documents": 0, "cleaned_documents": 0, "chunks": 0})
    max_examples: int = 10

    @property
    def ok(self) -> bool:
        return not any(self.counts.values())

    def add(self, kind: str, collection: str, point_id: str, detail: str) -> None:
        self.counts[kind] += 1
        if len(self.examples[kind]) < self.max_examples:
            self.examples[kind].append({"collection": collection, "id": point_id, "detail": detail})

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "counts": self.counts, "checked": self.checked, "examples": self.examples}


def check_feature_store(page_size: int = RECONCILE_PAGE, max_examples: int = 10) -> ConsistencyReport:
    report = ConsistencyReport(max_examples=max_examples)
    boilerplate = find_boilerplate(None)
    for category in RAW_CLASSES:
        _check_raw_documents(category, report, boilerplate)
        _check_cleaned_documents(category, page_size, report)
        _check_chunks(category, page_size, report)
    return report


def _check_raw_documents(category: DataCategory, report: ConsistencyReport, boilerplate: Boilerplate) -> None:
    cleaned_class = CLEANED_CLASSES[category]
    name = cleaned_class.get_collection_name()
    for batch in batched(RAW_CLASSES[category].bulk_find(page_size=READ_PAGE), READ_PAGE):
        report.checked["raw_documents"] += len(batch)
        stored = {str(doc.id): doc for doc in cleaned_class.retrieve([raw.id for raw in batch])}
        for raw in batch:
            current = CleaningDispatcher.dispatch(raw)
            current = mark_boilerplate(current, boilerplate)
            previous = stored.get(str(raw.id))
            if previous is None:
                report.add("missing", name, str(raw.id), f"{_title(raw)} is in the warehouse but not in the store")
                continue
            if previous.fingerprint and previous.fingerprint != current.fingerprint:
                report.add("wrong_model", name, str(raw.id), "chunked and embedded under another model or recipe")
            elif previous.content_hash != current.content_hash:
                report.add("stale", name, str(raw.id), f"{_title(raw)} changed since it was embedded")


def _check_cleaned_documents(category: DataCategory, page_size: int, report: ConsistencyReport) -> None:
    cleaned_class = CLEANED_CLASSES[category]
    name = cleaned_class.get_collection_name()
    for page in batched(cleaned_class.iter_ids(page_size), page_size):
        report.checked["cleaned_documents"] += len(page)
        raw = _raw_by_id(category, page)
        for stored in cleaned_class.retrieve(page):
            source = raw.get(str(stored.id))
            if source is None:
                report.add("orphaned", name, str(stored.id), "its raw document is no longer in the warehouse")
            elif _author_of(stored) != _author_of(source):
                report.add("wrong_author", name, str(stored.id), _author_detail(stored, source))


def _check_chunks(category: DataCategory, page_size: int, report: ConsistencyReport) -> None:
    embedded_class = EMBEDDED_CLASSES[category]
    name = embedded_class.get_collection_name()
    for chunks in batched(embedded_class.iter_all(page_size), page_size):
        report.checked["chunks"] += len(chunks)
        raw = _raw_by_id(category, {str(chunk.document_id) for chunk in chunks})
        for chunk in chunks:
            source = raw.get(str(chunk.document_id))
            if source is None:
                report.add(
                    "orphaned", name, str(chunk.id), f"document {chunk.document_id} is no longer in the warehouse"
                )
            elif _author_of(chunk) != _author_of(source):
                report.add("wrong_author", name, str(chunk.id), _author_detail(chunk, source))


def _raw_by_id(category: DataCategory, ids: Any) -> dict[str, Document]:
    wanted = [str(document_id) for document_id in ids]
    found: Iterator[Document] = RAW_CLASSES[category].bulk_find(page_size=READ_PAGE, _id={"$in": wanted})
    return {str(document.id): document for document in found}


def _author_of(document: Any) -> tuple[str, str]:
    return str(document.author_id), document.author_full_name


def _author_detail(stored: Any, source: Document) -> str:
    return f"stored under {stored.author_full_name!r}, the warehouse says {source.author_full_name!r}"


def _title(raw: Document) -> str:
    return getattr(raw, "link", None) or str(raw.id)
