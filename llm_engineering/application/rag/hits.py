"""The public shape of a search hit (CLI --json, HTTP responses, evaluation)."""

from __future__ import annotations

from typing import Any

from llm_engineering.domain.embedded_chunks import EmbeddedChunk


def hit_to_dict(rank: int, hit: EmbeddedChunk) -> dict[str, Any]:
    return {
        "rank": rank,
        "score": hit.score,  # what ranked it: fused (hybrid) or cosine (dense)
        "dense_score": hit.dense_score,  # cosine similarity with the question
        "lexical_score": hit.lexical_score,  # BM25 (0: no query term in the chunk; None in dense mode)
        "collection": hit.get_collection_name(),
        "chunk_id": str(hit.id),
        "document_id": str(hit.document_id),
        "link": getattr(hit, "link", None),
        "author_full_name": hit.author_full_name,
        "content": hit.content,
    }


def hits_to_dicts(hits: list[EmbeddedChunk]) -> list[dict[str, Any]]:
    return [hit_to_dict(rank, hit) for rank, hit in enumerate(hits, start=1)]
