"""Chunks of cleaned documents, before embedding."""

from __future__ import annotations

from abc import ABC
from typing import Self

from pydantic import UUID4, Field, PrivateAttr

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
    # The model's token ids of the chunk's index text, when the chunker had them; never stored.
    _index_token_ids: list[int] | None = PrivateAttr(default=None)

    @property
    def index_token_ids(self) -> list[int] | None:
        return self._index_token_ids

    def with_index_token_ids(self, ids: list[int] | None) -> Self:
        """This chunk, remembering the ids (the embedding step then does not tokenize its text again)."""
        self._index_token_ids = ids
        return self


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
