"""Embedded chunks: stored in Qdrant with a dense (MiniLM, 384-dim cosine) and a sparse (BM25) vector."""

from __future__ import annotations

from abc import ABC

from pydantic import UUID4, Field

from llm_engineering.domain.base import VectorBaseDocument
from llm_engineering.domain.base.vector import SparseEmbedding
from llm_engineering.domain.types import DataCategory


class EmbeddedChunk(VectorBaseDocument, ABC):
    content: str
    embedding: list[float] | None = None
    sparse_embedding: SparseEmbedding | None = None
    platform: str
    document_id: UUID4
    chunk_index: int = 0
    author_id: UUID4
    author_full_name: str
    metadata: dict = Field(default_factory=dict)
    # Sampled word 8-gram hashes of `content`, as hex (preprocessing/text_sketch.py): near-duplicate detection at
    # query time without re-reading texts. Empty on chunks embedded before it existed.
    text_sketch: str = ""
    # Set on search hits only, never stored: the dense cosine and the BM25 score behind the fused `score`.
    dense_score: float | None = Field(default=None, exclude=True)
    lexical_score: float | None = Field(default=None, exclude=True)


class EmbeddedPostChunk(EmbeddedChunk):
    image: str | None = None
    link: str | None = None

    class Settings:
        name = "embedded_posts"
        category = DataCategory.POSTS
        use_vector_index = True


class EmbeddedArticleChunk(EmbeddedChunk):
    link: str

    class Settings:
        name = "embedded_articles"
        category = DataCategory.ARTICLES
        use_vector_index = True


class EmbeddedRepositoryChunk(EmbeddedChunk):
    name: str
    link: str

    class Settings:
        name = "embedded_repositories"
        category = DataCategory.REPOSITORIES
        use_vector_index = True


EMBEDDED_CHUNK_CLASSES: tuple[type[EmbeddedChunk], ...] = (
    EmbeddedArticleChunk,
    EmbeddedPostChunk,
    EmbeddedRepositoryChunk,
)
