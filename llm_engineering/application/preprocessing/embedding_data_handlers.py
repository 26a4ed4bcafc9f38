"""Embedding: chunks -> embedded chunks with the dense MiniLM vector and the BM25 sparse vector."""

from __future__ import annotations

from llm_engineering.application.networks.embeddings import EmbeddingError, get_embedding_model
from llm_engineering.application.networks.sparse import bm25_document_vector
from llm_engineering.application.preprocessing.chunking_data_handlers import chunk_index_text
from llm_engineering.application.preprocessing.text_sketch import text_sketch
from llm_engineering.domain.chunks import ArticleChunk, Chunk, PostChunk, RepositoryChunk
from llm_engineering.domain.embedded_chunks import (
    EmbeddedArticleChunk,
    EmbeddedChunk,
    EmbeddedPostChunk,
    EmbeddedRepositoryChunk,
)

EMBEDDED_CLASS: dict[type[Chunk], type[EmbeddedChunk]] = {
    ArticleChunk: EmbeddedArticleChunk,
    PostChunk: EmbeddedPostChunk,
    RepositoryChunk: EmbeddedRepositoryChunk,
}


def embed_texts(
    texts: list[str], batch_size: int | None = None, token_ids: list[list[int] | None] | None = None
) -> list[list[float]]:
    """Dense vectors in input order. Texts are encoded sorted by length: batches then pad far less.

    `token_ids`, where given, are each text's ids as the model's tokenizer makes them (the encoder may skip
    tokenizing those texts); the batches are the same either way.
    """
    if not texts:
        return []
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
    ids_in_order = [token_ids[i] for i in order] if token_ids is not None else None
    vectors = get_embedding_model().embed([texts[i] for i in order], batch_size=batch_size, token_ids=ids_in_order)
    result: list[list[float]] = [[] for _ in texts]
    for row, index in enumerate(order):
        result[index] = vectors[row].tolist()
    return result


def embed_chunks(chunks: list[Chunk], batch_size: int | None = None) -> list[EmbeddedChunk]:
    """Every chunk gets both vectors, or the call raises: no chunk is silently dropped.

    Both are computed on the chunk's index text (its context line, then its content).
    """
    texts = [chunk_index_text(chunk.content, chunk.metadata) for chunk in chunks]
    vectors = embed_texts(texts, batch_size, [chunk.index_token_ids for chunk in chunks])
    embedded: list[EmbeddedChunk] = []
    for chunk, text, vector in zip(chunks, texts, vectors, strict=True):
        if len(vector) == 0:
            raise EmbeddingError(f"Chunk {chunk.id} got an empty embedding")
        target = EMBEDDED_CLASS.get(type(chunk))
        if target is None:
            raise EmbeddingError(f"No embedded class for {type(chunk).__name__}")
        data = chunk.model_dump(exclude={"score"})
        embedded.append(
            target(
                **data,
                embedding=vector,
                sparse_embedding=bm25_document_vector(text),
                text_sketch=text_sketch(chunk.content),
            )
        )
    return embedded
