"""Cleaning strategies, one per category: raw warehouse document -> cleaned document with a content hash."""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from typing import Generic, TypeVar

from llm_engineering.application.preprocessing.code_cleaning import clean_repository_files
from llm_engineering.application.preprocessing.markup import clean_markdown
from llm_engineering.application.preprocessing.text_normalization import normalize_unicode
from llm_engineering.domain.cleaned_documents import (
    CleanedArticleDocument,
    CleanedDocument,
    CleanedPostDocument,
    CleanedRepositoryDocument,
)
from llm_engineering.domain.documents import ArticleDocument, Document, PostDocument, RepositoryDocument

RawT = TypeVar("RawT", bound=Document)
CleanT = TypeVar("CleanT", bound=CleanedDocument)

# Text fields of a content dict, in reading order; other string fields follow, metadata ones are skipped.
_TEXT_FIELDS = ("Title", "title", "Subtitle", "subtitle", "Content", "content", "Post", "post", "text", "Text")
_METADATA_FIELDS = frozenset({"language", "platform", "link", "url", "image", "images", "author", "date"})


def content_hash(text: str, fingerprint: str) -> str:
    """What the incremental pipeline compares: the cleaned text plus how it will be chunked and embedded."""
    return hashlib.sha256(f"{fingerprint}\x00{text}".encode()).hexdigest()


def prose_from_content(content: dict | None) -> str:
    """The text of an article/post content dict: the title as a heading, then the other text fields."""
    if not isinstance(content, dict):
        return ""
    parts: list[str] = []
    used: set[str] = set()
    for key in _TEXT_FIELDS:
        value = content.get(key)
        if key in used or not isinstance(value, str) or not value.strip():
            continue
        used.add(key)
        parts.append(f"# {value.strip()}" if key.lower() == "title" else value)
    for key, value in content.items():
        if key not in used and key.lower() not in _METADATA_FIELDS and isinstance(value, str) and value.strip():
            parts.append(value)
    return "\n\n".join(parts)


class CleaningDataHandler(ABC, Generic[RawT, CleanT]):
    """Cleans one category; never raises on missing or None fields (the result is then shorter or empty)."""

    @abstractmethod
    def clean_text(self, document: RawT) -> str: ...

    @abstractmethod
    def clean(self, document: RawT, fingerprint: str = "") -> CleanT: ...

    @staticmethod
    def _common(document: Document, text: str, fingerprint: str) -> dict:
        return {
            "id": document.id,
            "content": text,
            "platform": document.platform or "",
            "author_id": document.author_id,
            "author_full_name": document.author_full_name or "",
            "content_hash": content_hash(text, fingerprint),
            "fingerprint": fingerprint,
        }


class ArticleCleaningHandler(CleaningDataHandler[ArticleDocument, CleanedArticleDocument]):
    def clean_text(self, document: ArticleDocument) -> str:
        return clean_markdown(normalize_unicode(prose_from_content(document.content)))

    def clean(self, document: ArticleDocument, fingerprint: str = "") -> CleanedArticleDocument:
        text = self.clean_text(document)
        return CleanedArticleDocument(**self._common(document, text, fingerprint), link=document.link or "")


class PostCleaningHandler(CleaningDataHandler[PostDocument, CleanedPostDocument]):
    def clean_text(self, document: PostDocument) -> str:
        return clean_markdown(normalize_unicode(prose_from_content(document.content)))

    def clean(self, document: PostDocument, fingerprint: str = "") -> CleanedPostDocument:
        text = self.clean_text(document)
        return CleanedPostDocument(
            **self._common(document, text, fingerprint), image=document.image, link=document.link
        )


class RepositoryCleaningHandler(CleaningDataHandler[RepositoryDocument, CleanedRepositoryDocument]):
    def clean_text(self, document: RepositoryDocument) -> str:
        text, _fates = clean_repository_files(document.content)
        return text

    def clean(self, document: RepositoryDocument, fingerprint: str = "") -> CleanedRepositoryDocument:
        text = self.clean_text(document)
        return CleanedRepositoryDocument(
            **self._common(document, text, fingerprint), name=document.name or "", link=document.link or ""
        )
