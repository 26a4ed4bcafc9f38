"""Chunks of cleaned documents, before embedding."""

from __future__ import annotations

from abc import ABC

from pydantic import UUID4, Field

from llm_engineering.domain.base import VectorBaseDocument
from llm_engineering.domain.types import DataCategory


class Chunk(VectorBaseDocument, ABC):
    content: str
    platform: str
    document_id: UUID4
    chunk_index: int = 0
    author_id: UUID4
    author_full_name: str
    metadata: dict = Field(default_factory=dict)


class PostChunk(Chunk):
    image: str | None = None
    link: str | None = None

    class Settings:
        category = DataCategory.POSTS


class ArticleChunk(Chunk):
    link: str

    class Settings:
        category = DataCategory.ARTICLES


class RepositoryChunk(Chunk):
    name: str
    link: str

    class Settings:
        category = DataCategory.REPOSITORIES
