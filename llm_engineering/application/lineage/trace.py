"""Trace one document through every stage, recomputing cleaning and chunking exactly as the pipeline does.

Reads only: the warehouse through the NoSQL ODM and the vector store through the vector ODM's classmethods.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field
from typing import Any

from llm_engineering.application.preprocessing.cleaning_data_handlers import prose_from_content
from llm_engineering.application.preprocessing.dispatchers import ChunkingDispatcher, CleaningDispatcher
from llm_engineering.application.preprocessing.feature_service import find_boilerplate, mark_boilerplate
from llm_engineering.domain.base.vector import document_filter
from llm_engineering.domain.documents import RAW_DOCUMENT_CLASSES, Document, RepositoryDocument
from llm_engineering.domain.embedded_chunks import EMBEDDED_CHUNK_CLASSES
from llm_engineering.domain.exceptions import LLMTwinException

_TOKENS = re.compile(r"\s+|[^\s]+")


class DocumentNotFound(LLMTwinException):
    """No raw document in the warehouse has this link."""


@dataclass
class TextEdit:
    """One difference between the raw text and the cleaned text: what was removed, what took its place."""

    removed: str
    added: str


@dataclass
class ChunkView:
    index: int
    chunk_id: str
    start: int
    end: int
    new_text_start: int
    token_count: int
    text: str


@dataclass
class StoredPoint:
    chunk_id: str
    collection: str
    chunk_index: int
    payload: dict[str, Any]
    dense_dimensions: int
    dense_norm: float | None
    sparse_terms: int
    sparse_norm: float | None
    matches_recomputed_chunk: bool


@dataclass
class RankedHit:
    rank: int
    score: float | None
    chunk_id: str
    mine: bool
    link: str | None


@dataclass
class DocumentLineage:
    link: str
    collection: str
    document_id: str
    author: str
    platform: str
    raw_fields: dict[str, int]  # content field -> characters
    raw_text: str
    cleaned_text: str
    content_hash: str
    edits: list[TextEdit]
    segments: list[tuple[str, str, str]]  # (op, raw piece, cleaned piece): the side-by-side view
    chunks: list[ChunkView]
    points: list[StoredPoint]
    stored_hash: str | None = None
    query: str | None = None
    ranking: list[RankedHit] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def removed_characters(self) -> int:
        return sum(len(edit.removed) for edit in self.edits)


def find_raw_document(link: str) -> Document:
    for document_class in RAW_DOCUMENT_CLASSES:
        document = document_class.find(link=link)
        if document is not None:
            return document
    raise DocumentNotFound(f"No document in the warehouse has the link {link!r}: crawl it first (tools.run --run-etl)")


def raw_text_of(document: Document) -> str:
    """The raw text as cleaning receives it (a repository: its files one after another, path first)."""
    if isinstance(document, RepositoryDocument):
        return "\n\n".join(f"# {path}\n{text}" for path, text in document.content.items() if isinstance(text, str))
    return prose_from_content(document.content)


def diff_segments(raw: str, cleaned: str) -> list[tuple[str, str, str]]:
    """Word-level alignment of raw and cleaned text: ('equal'|'delete'|'insert'|'replace', raw, cleaned)."""
    raw_tokens, cleaned_tokens = _TOKENS.findall(raw), _TOKENS.findall(cleaned)
    matcher = difflib.SequenceMatcher(None, raw_tokens, cleaned_tokens, autojunk=False)
    segments: list[tuple[str, str, str]] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        raw_piece, cleaned_piece = "".join(raw_tokens[i1:i2]), "".join(cleaned_tokens[j1:j2])
        if op != "equal" and not raw_piece.strip() and not cleaned_piece.strip():
            op = "equal"  # whitespace only: not worth showing as an edit
        if segments and segments[-1][0] == op:
            last = segments[-1]
            segments[-1] = (op, last[1] + raw_piece, last[2] + cleaned_piece)
        else:
            segments.append((op, raw_piece, cleaned_piece))
    return segments


def trace_document(link: str, query: str | None = None, k: int = 20) -> DocumentLineage:
    raw = find_raw_document(link)
    cleaned = CleaningDispatcher.dispatch(raw)
    # Marked as the pipeline marks it: its author's boilerplate is part of its hash and its chunks' flags.
    cleaned = mark_boilerplate(cleaned, find_boilerplate([{"id": str(raw.author_id)}]))
    chunks = ChunkingDispatcher.dispatch(cleaned)
    raw_text = raw_text_of(raw)
    segments = diff_segments(raw_text, cleaned.content)
    lineage = DocumentLineage(
        link=link,
        collection=raw.get_collection_name(),
        document_id=str(raw.id),
        author=raw.author_full_name,
        platform=raw.platform,
        raw_fields={key: len(value) for key, value in raw.content.items() if isinstance(value, str)},
        raw_text=raw_text,
        cleaned_text=cleaned.content,
        content_hash=cleaned.content_hash,
        edits=[TextEdit(removed=r, added=c) for op, r, c in segments if op != "equal"],
        segments=segments,
        chunks=[
            ChunkView(
                index=chunk.chunk_index,
                chunk_id=str(chunk.id),
                start=chunk.metadata["char_start"],
                end=chunk.metadata["char_end"],
                new_text_start=chunk.metadata.get("new_text_start", chunk.metadata["char_start"]),
                token_count=chunk.metadata["token_count"],
                text=chunk.content,
            )
            for chunk in chunks
        ],
        points=[],
    )
    recomputed = {str(chunk.id): chunk.content for chunk in chunks}
    for embedded_class in EMBEDDED_CHUNK_CLASSES:
        if embedded_class.get_category() != cleaned.get_category() or not embedded_class.collection_exists():
            continue
        for point in embedded_class.iter_all(with_vectors=True, query_filter=document_filter(raw.id)):
            lineage.points.append(_stored_point(point, recomputed))
    lineage.points.sort(key=lambda point: point.chunk_index)
    lineage.stored_hash = lineage.points[0].payload.get("metadata", {}).get("content_hash") if lineage.points else None
    if not lineage.points:
        lineage.notes.append("No stored point yet: run the feature pipeline (tools.run --run-feature-engineering).")
    elif lineage.stored_hash != lineage.content_hash:
        lineage.notes.append("The stored chunks come from an older version: the next feature run replaces them.")
    if query:
        lineage.query = query
        lineage.ranking = _ranking(query, str(raw.id), k)
    return lineage


def _stored_point(point: Any, recomputed: dict[str, str]) -> StoredPoint:
    dense = point.embedding or []
    sparse = point.sparse_embedding
    payload = point.model_dump(mode="json", exclude={"id", "embedding", "sparse_embedding", "content"})
    payload["content"] = f"{len(point.content)} characters"
    return StoredPoint(
        chunk_id=str(point.id),
        collection=point.get_collection_name(),
        chunk_index=point.chunk_index,
        payload=payload,
        dense_dimensions=len(dense),
        dense_norm=round(math.sqrt(sum(x * x for x in dense)), 4) if dense else None,
        sparse_terms=len(sparse.indices) if sparse else 0,
        sparse_norm=round(math.sqrt(sum(x * x for x in sparse.values)), 4) if sparse else None,
        matches_recomputed_chunk=recomputed.get(str(point.id)) == point.content,
    )


def _ranking(query: str, document_id: str, k: int) -> list[RankedHit]:
    from llm_engineering.application.rag import ContextRetriever
    from llm_engineering.application.rag.hits import hits_to_dicts

    result = ContextRetriever().retrieve(query, k=k, max_chunks_per_document=k)
    return [
        RankedHit(
            rank=hit["rank"],
            score=hit["score"],
            chunk_id=hit["chunk_id"],
            mine=hit["document_id"] == document_id,
            link=hit["link"],
        )
        for hit in hits_to_dicts(result.hits)
    ]
