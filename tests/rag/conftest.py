"""A small, real knowledge base for retrieval tests: users in MongoDB, embedded chunks in Qdrant.

Chunks carry real MiniLM embeddings and real BM25 sparse vectors, as the feature pipeline writes them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest

from llm_engineering.application.networks.embeddings import get_embedding_model
from llm_engineering.application.networks.sparse import bm25_document_vector
from llm_engineering.domain.documents import ArticleDocument, UserDocument
from llm_engineering.domain.embedded_chunks import (
    EmbeddedArticleChunk,
    EmbeddedChunk,
    EmbeddedPostChunk,
    EmbeddedRepositoryChunk,
)

# (collection class, author key, document key, link, text): several chunks share a document on purpose.
CORPUS: list[tuple[type[EmbeddedChunk], str, str, str, str]] = [
    (EmbeddedArticleChunk, "jose", "gnn", "https://blog.example/gnn",
     "Graph neural networks pass messages between neighbouring nodes and aggregate their features."),
    (EmbeddedArticleChunk, "jose", "gnn", "https://blog.example/gnn",
     "A graph attention network weighs each neighbour with learned attention coefficients."),
    (EmbeddedArticleChunk, "jose", "gnn", "https://blog.example/gnn",
     "GraphSAGE samples a fixed number of neighbours so training scales to huge graphs."),
    (EmbeddedArticleChunk, "ana", "quant", "https://blog.example/quant",
     "Weight quantization stores model parameters as 4-bit or 8-bit integers to save memory."),
    (EmbeddedArticleChunk, "ana", "quant", "https://blog.example/quant",
     "GPTQ quantizes one layer at a time while compensating the rounding error."),
    (EmbeddedArticleChunk, "ana", "rag", "https://blog.example/rag",
     "Retrieval augmented generation fetches relevant passages before the language model answers."),
    (EmbeddedPostChunk, "ana", "post1", "https://social.example/p/1",
     "We deployed our inference service with FastAPI and uvicorn behind a load balancer."),
    (EmbeddedPostChunk, "ana", "post2", "https://social.example/p/2",
     "We deployed our inference service with FastAPI and uvicorn behind a load balancer."),
    (EmbeddedPostChunk, "jose", "post3", "https://social.example/p/3",
     "Sunday hike in the mountains, the weather was perfect for a picnic."),
    (EmbeddedRepositoryChunk, "jose", "repo", "https://git.example/jose/tools",
     "def zx81_checksum(data: bytes) -> int:\n    return sum(data) & 0xFF"),
    (EmbeddedRepositoryChunk, "jose", "repo", "https://git.example/jose/tools",
     "def parse_config(path):\n    with open(path) as handle:\n        return yaml.safe_load(handle)"),
]  # fmt: skip


@dataclass
class KnowledgeBase:
    users: dict[str, UserDocument]
    chunks: list[EmbeddedChunk]
    documents: dict[str, uuid.UUID]


def build_chunks(users: dict[str, UserDocument]) -> tuple[list[EmbeddedChunk], dict[str, uuid.UUID]]:
    vectors = get_embedding_model().embed([text for *_, text in CORPUS])
    documents: dict[str, uuid.UUID] = {}
    chunks: list[EmbeddedChunk] = []
    for n, ((chunk_class, author, document, link, text), vector) in enumerate(zip(CORPUS, vectors, strict=True)):
        user = users[author]
        document_id = documents.setdefault(document, uuid.uuid4())
        extra = {"name": "tools"} if chunk_class is EmbeddedRepositoryChunk else {}
        chunks.append(
            chunk_class(
                content=text,
                embedding=vector.tolist(),
                sparse_embedding=bm25_document_vector(text),
                platform=link.split("/")[2],
                document_id=document_id,
                chunk_index=n,
                author_id=user.id,
                author_full_name=user.full_name,
                link=link,
                **extra,
            )
        )
    return chunks, documents


@pytest.fixture
def knowledge_base(stores) -> KnowledgeBase:  # noqa: ANN001 - fixture
    users = {
        "jose": UserDocument(first_name="José", last_name="Núñez").save(),
        "ana": UserDocument(first_name="Ana", last_name="Müller").save(),
    }
    chunks, documents = build_chunks(users)
    for chunk_class, group in EmbeddedChunk.group_by_class(chunks).items():
        chunk_class.bulk_insert(group)
    write_raw_documents(chunks)
    return KnowledgeBase(users, chunks, documents)


def write_raw_documents(chunks: list[EmbeddedChunk]) -> None:
    """One raw article per chunked document: known authors are users with documents in the warehouse."""
    first = {}
    for chunk in chunks:
        first.setdefault(chunk.document_id, chunk)
    ArticleDocument.bulk_upsert(
        ArticleDocument(
            id=chunk.document_id,
            content={"Content": chunk.content},
            platform=chunk.platform,
            author_id=chunk.author_id,
            author_full_name=chunk.author_full_name,
            link=f"{chunk.link}#{chunk.document_id}",
        )
        for chunk in first.values()
    )
