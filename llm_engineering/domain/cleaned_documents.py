"""Cleaned documents: stored in Qdrant as payload only (no vectors)."""

from __future__ import annotations

from abc import ABC

from pydantic import UUID4, Field

from llm_engineering.domain.base import VectorBaseDocument
from llm_engineering.domain.types import DataCategory


class CleanedDocument(VectorBaseDocument, ABC):
    content: str
    platform: str
    author_id: UUID4
    author_full_name: str
    # Hash of the cleaned content: lets the feature pipeline skip unchanged documents.
    content_hash: str = ""
    # How its chunks were cut and embedded (chunking recipe + model): the consistency report's "wrong model".
    fingerprint: str = ""
    # (start, end) of the paragraphs its author repeats across many documents (boilerplate.py); in content_hash.
    boilerplate_spans: list[tuple[int, int]] = Field(default_factory=list)


class CleanedPostDocument(CleanedDocument):
    image: str | None = None
    link: str | None = None

    class Settings:
        name = "cleaned_posts"
        category = DataCategory.POSTS
        use_vector_index = False


class CleanedArticleDocument(CleanedDocument):
    link: str

    class Settings:
        name = "cleaned_articles"
        category = DataCategory.ARTICLES
        use_vector_index = False


class CleanedRepositoryDocument(CleanedDocument):
    name: str
    link: str

    class Settings:
        name = "cleaned_repositories"
        category = DataCategory.REPOSITORIES
        use_vector_index = False
