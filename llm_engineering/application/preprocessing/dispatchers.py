"""Factories pick the handler of a document's category; dispatchers are what the pipeline steps call."""

from __future__ import annotations

from functools import cache

from llm_engineering.application.preprocessing.chunking_data_handlers import (
    ArticleChunkingHandler,
    ChunkingDataHandler,
    PostChunkingHandler,
    RepositoryChunkingHandler,
    chunking_fingerprint,
)
from llm_engineering.application.preprocessing.cleaning_data_handlers import (
    ArticleCleaningHandler,
    CleaningDataHandler,
    PostCleaningHandler,
    RepositoryCleaningHandler,
)
from llm_engineering.application.preprocessing.embedding_data_handlers import embed_chunks
from llm_engineering.domain.chunks import Chunk
from llm_engineering.domain.cleaned_documents import CleanedDocument
from llm_engineering.domain.documents import Document
from llm_engineering.domain.embedded_chunks import EmbeddedChunk
from llm_engineering.domain.exceptions import ImproperlyConfigured
from llm_engineering.domain.types import DataCategory


def category_of(document: Document | CleanedDocument) -> DataCategory:
    if isinstance(document, CleanedDocument):
        return document.get_category()
    return DataCategory(document.get_collection_name())


class CleaningHandlerFactory:
    _handlers: dict[DataCategory, type[CleaningDataHandler]] = {
        DataCategory.ARTICLES: ArticleCleaningHandler,
        DataCategory.POSTS: PostCleaningHandler,
        DataCategory.REPOSITORIES: RepositoryCleaningHandler,
    }

    @classmethod
    def create_handler(cls, category: DataCategory) -> CleaningDataHandler:
        try:
            return cls._handlers[category]()
        except KeyError:
            raise ImproperlyConfigured(f"No cleaning handler for category {category!r}") from None


class ChunkingHandlerFactory:
    _handlers: dict[DataCategory, type[ChunkingDataHandler]] = {
        DataCategory.ARTICLES: ArticleChunkingHandler,
        DataCategory.POSTS: PostChunkingHandler,
        DataCategory.REPOSITORIES: RepositoryChunkingHandler,
    }

    @classmethod
    @cache
    def create_handler(cls, category: DataCategory) -> ChunkingDataHandler:
        """One handler per category and process (it holds the tokenizer)."""
        try:
            return cls._handlers[category]()
        except KeyError:
            raise ImproperlyConfigured(f"No chunking handler for category {category!r}") from None


class CleaningDispatcher:
    @staticmethod
    def dispatch(document: Document) -> CleanedDocument:
        category = category_of(document)
        handler = CleaningHandlerFactory.create_handler(category)
        return handler.clean(document, fingerprint=chunking_fingerprint(category))


class ChunkingDispatcher:
    @staticmethod
    def dispatch(document: CleanedDocument) -> list[Chunk]:
        return ChunkingHandlerFactory.create_handler(category_of(document)).chunk(document)


class EmbeddingDispatcher:
    @staticmethod
    def dispatch(chunks: list[Chunk], batch_size: int | None = None) -> list[EmbeddedChunk]:
        """Chunks of any categories embedded together: one large, length-sorted model call."""
        return embed_chunks(chunks, batch_size)
