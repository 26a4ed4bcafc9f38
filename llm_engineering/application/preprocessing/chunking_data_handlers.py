"""Chunking strategies per category: cleaned document -> chunks of at most the model's token limit.

CHUNKING_CONFIGS is the one place where the per-category overlap and separators are set.

Articles and posts get a context: the document title and the heading path above the chunk
("Title > Section > Subsection"), stored in `metadata["context"]` and put in front of the chunk in what
is embedded and BM25-indexed (see chunk_index_text). The context counts inside the model's token budget:
the chunk's content gets CHUNK_CONTEXT_TOKENS fewer tokens, and a context longer than the room left is cut.
The chunk's `content` stays an exact slice of the cleaned document.

A chunk whose own text is mostly its author's boilerplate (the document's `boilerplate_spans`, see
boilerplate.py) gets `metadata["boilerplate"] = True`. With BOILERPLATE_OUT_OF_INDEX, the boilerplate inside
any chunk is left out of its index text (`metadata["index_omit"]`, spans relative to the chunk).
"""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from typing import Generic, TypeVar

from llm_engineering.application.networks.embeddings import get_embedding_model
from llm_engineering.application.networks.sparse import current_recipe
from llm_engineering.application.networks.token_ids import joins_at_whitespace, with_context
from llm_engineering.application.preprocessing.boilerplate import (
    CHUNK_SHARE,
    boilerplate_recipe,
    boilerplate_share,
    index_omissions,
    without_spans,
)
from llm_engineering.application.preprocessing.chunk_context import fit_to_tokens, heading_paths, tokenize_for_fit
from llm_engineering.application.preprocessing.chunking import (
    CLAUSE,
    HEADING,
    LINE,
    PARAGRAPH,
    SENTENCE,
    ChunkingConfig,
    TokenBudgetChunker,
)
from llm_engineering.application.preprocessing.code_cleaning import FILE_HEADER_PATTERN
from llm_engineering.domain.chunks import ArticleChunk, Chunk, PostChunk, RepositoryChunk
from llm_engineering.domain.cleaned_documents import (
    CleanedArticleDocument,
    CleanedDocument,
    CleanedPostDocument,
    CleanedRepositoryDocument,
)
from llm_engineering.domain.types import DataCategory
from llm_engineering.settings import get_settings

# Fixed namespace: the same (document id, chunk index) gives the same chunk id on every machine, every run.
CHUNK_ID_NAMESPACE = uuid.UUID("6f1c2a7e-3d4b-5c8a-9e0f-1a2b3c4d5e6f")

_PROSE_SEPARATORS = (HEADING, PARAGRAPH, LINE, SENTENCE, CLAUSE)
_CODE_SEPARATORS = (r"\n+(?=" + FILE_HEADER_PATTERN.lstrip("^") + ")", PARAGRAPH, LINE)

# Overlap in model tokens: posts are short and self-contained; articles and code read across chunk edges.
OVERLAP_TOKENS: dict[DataCategory, int] = {
    DataCategory.ARTICLES: 32,
    DataCategory.POSTS: 16,
    DataCategory.REPOSITORIES: 32,
}
SEPARATORS: dict[DataCategory, tuple[str, ...]] = {
    DataCategory.ARTICLES: _PROSE_SEPARATORS,
    DataCategory.POSTS: _PROSE_SEPARATORS,
    DataCategory.REPOSITORIES: _CODE_SEPARATORS,
}


# Categories whose chunks carry their document's title and heading path (repositories: file headers do).
CONTEXT_CATEGORIES = frozenset({DataCategory.ARTICLES, DataCategory.POSTS})
# The chunk text recipe: bump when what is embedded/indexed for a chunk changes.
CHUNK_TEXT_RECIPE = "context-v1"
CONTEXT_SEPARATOR = "\n"


def context_tokens(category: DataCategory) -> int:
    return get_settings().CHUNK_CONTEXT_TOKENS if category in CONTEXT_CATEGORIES else 0


def chunking_config(category: DataCategory) -> ChunkingConfig:
    return ChunkingConfig(
        max_tokens=get_settings().EMBEDDING_MAX_TOKENS - context_tokens(category),
        overlap_tokens=OVERLAP_TOKENS[category],
        separators=SEPARATORS[category],
    )


def chunking_fingerprint(category: DataCategory) -> str:
    """Changes whenever re-chunking or re-embedding would give other chunks, vectors or flags.

    Model, chunking config, chunk text recipe, BM25 tokenisation and (prose only) the boilerplate rule.
    """
    config = chunking_config(category)
    model = get_embedding_model().fingerprint  # weights digest + backend + quantisation
    recipe = f"{CHUNK_TEXT_RECIPE}:{context_tokens(category)}|{current_recipe().name}"
    settings = get_settings()
    boilerplate = boilerplate_recipe(category, settings.BOILERPLATE_MIN_DOCUMENTS, settings.BOILERPLATE_OUT_OF_INDEX)
    if boilerplate:
        recipe = f"{recipe}|{boilerplate}"
    return f"v1|{model}|{config.max_tokens}|{config.overlap_tokens}|{'|'.join(config.separators)}|{recipe}"


def chunk_index_text(content: str, metadata: dict) -> str:
    """What is embedded and BM25-indexed for a chunk: its context line, if any, then its content (less the
    boilerplate spans in `index_omit`, if any)."""
    omitted = metadata.get("index_omit")
    if omitted:
        content = without_spans(content, [(start, end) for start, end in omitted])
    context = metadata.get("context")
    return f"{context}{CONTEXT_SEPARATOR}{content}" if context else content


def chunk_id(document_id: uuid.UUID | str, chunk_index: int) -> uuid.UUID:
    """uuid5 of (document id, chunk index), re-stamped as version 4 because the ODM's ids are UUID4."""
    name_based = uuid.uuid5(CHUNK_ID_NAMESPACE, f"{document_id}:{chunk_index}")
    return uuid.UUID(bytes=name_based.bytes, version=4)


CleanT = TypeVar("CleanT", bound=CleanedDocument)
ChunkT = TypeVar("ChunkT", bound=Chunk)


class ChunkingDataHandler(ABC, Generic[CleanT, ChunkT]):
    category: DataCategory

    def __init__(self) -> None:
        model = get_embedding_model()
        self.tokenizer = model.tokenizer
        self.chunker = TokenBudgetChunker(model.tokenizer, chunking_config(self.category))
        self.max_tokens = get_settings().EMBEDDING_MAX_TOKENS
        self.with_context = context_tokens(self.category) > 0
        self.boilerplate_out_of_index = get_settings().BOILERPLATE_OUT_OF_INDEX
        # The chunk's ids joined with its context's are its index text's: the encoder need not tokenize it.
        self.passes_token_ids = joins_at_whitespace(model.tokenizer)

    def chunk(self, document: CleanT) -> list[ChunkT]:
        chunks: list[ChunkT] = []
        text = document.content or ""
        spans = self.chunker.split(text)
        paths = heading_paths(text, [span.start for span in spans]) if self.with_context else []
        path_encodings = tokenize_for_fit(self.tokenizer, paths)
        for index, span in enumerate(spans):
            extra = {}
            context_ids: list[int] = []
            if self.with_context:
                # The chunk already holds span.token_count tokens (special tokens included).
                room = self.max_tokens - span.token_count - 1
                path = paths[index]
                context, context_ids = fit_to_tokens(self.tokenizer, path, room, path_encodings.get(path))
                if context:
                    extra = {"context": context}
            # Measured on the chunk's own text: the overlap it repeats was judged with the previous chunk.
            if boilerplate_share(document.boilerplate_spans, span.overlap_start, span.end) >= CHUNK_SHARE:
                extra["boilerplate"] = True
            if self.boilerplate_out_of_index and document.boilerplate_spans:
                omitted = index_omissions(document.boilerplate_spans, text, span.start, span.end)
                if omitted:
                    extra["index_omit"] = [list(pair) for pair in omitted]
            # Left-out boilerplate makes the index text differ from the chunk's content: tokenized at embedding.
            passes_ids = self.passes_token_ids and span.token_ids and "index_omit" not in extra
            chunk = self._build(
                document,
                id=chunk_id(document.id, index),
                content=document.content[span.start : span.end],
                platform=document.platform,
                document_id=document.id,
                chunk_index=index,
                author_id=document.author_id,
                author_full_name=document.author_full_name,
                metadata={
                    "char_start": span.start,
                    "char_end": span.end,
                    "new_text_start": span.overlap_start,
                    "token_count": span.token_count,
                    "content_hash": document.content_hash,
                    **extra,
                },
            )
            chunks.append(chunk.with_index_token_ids(with_context(span.token_ids, context_ids) if passes_ids else None))
        return chunks

    @abstractmethod
    def _build(self, document: CleanT, **fields: object) -> ChunkT: ...


class ArticleChunkingHandler(ChunkingDataHandler[CleanedArticleDocument, ArticleChunk]):
    category = DataCategory.ARTICLES

    def _build(self, document: CleanedArticleDocument, **fields: object) -> ArticleChunk:
        return ArticleChunk(**fields, link=document.link)


class PostChunkingHandler(ChunkingDataHandler[CleanedPostDocument, PostChunk]):
    category = DataCategory.POSTS

    def _build(self, document: CleanedPostDocument, **fields: object) -> PostChunk:
        return PostChunk(**fields, image=document.image, link=document.link)


class RepositoryChunkingHandler(ChunkingDataHandler[CleanedRepositoryDocument, RepositoryChunk]):
    category = DataCategory.REPOSITORIES

    def _build(self, document: CleanedRepositoryDocument, **fields: object) -> RepositoryChunk:
        return RepositoryChunk(**fields, name=document.name, link=document.link)
