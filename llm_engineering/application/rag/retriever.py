"""ContextRetriever: the chunks that answer a question, across the three embedded collections.

search(query, k) works in five moves:
1. author: an explicit name wins; otherwise the query's own mention of a known author (self-query,
   optionally helped by the LLM); unknown names filter nothing and create nothing;
2. queries: the original, plus LLM rewrites when expansion is configured and asked for;
3. per query and collection: Qdrant dense or hybrid (dense + BM25, RRF-fused by Qdrant) search;
4. merge across collections and rewrites (weighted RRF, see fusion.py), drop duplicates (same chunk, or the same text
   published twice), rerank with the cross-encoder when configured, cap chunks per document;
5. exactly k hits: when filtering left fewer than k and the collections hold more, fetch deeper, up to
   MAX_CANDIDATES per collection and query (no request ever scans a whole collection).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from loguru import logger

from llm_engineering.application.networks.embeddings import get_embedding_model
from llm_engineering.application.networks.sparse import bm25_query_vector
from llm_engineering.application.rag.authors import AuthorDirectory, KnownAuthor, without_name
from llm_engineering.application.rag.collection_search import SEARCH_MODES, SearchMode, search_collection
from llm_engineering.application.rag.fusion import max_score_merge, reciprocal_rank_fusion
from llm_engineering.application.rag.llm_client import ChatClient
from llm_engineering.application.rag.llm_self_query import LLMAuthorExtractor
from llm_engineering.application.rag.query_expansion import QueryExpander
from llm_engineering.application.rag.reranking import Reranker, get_reranker
from llm_engineering.domain.base.vector import author_filter
from llm_engineering.domain.embedded_chunks import EMBEDDED_CHUNK_CLASSES, EmbeddedChunk
from llm_engineering.domain.exceptions import LLMTwinException

MAX_K = 100
DEFAULT_EXPANSIONS = 2
# Candidates fetched per collection and query: enough that dedup and the per-document cap rarely
# need a second, deeper round.
CANDIDATE_FACTOR = 3
MIN_CANDIDATES = 20
RERANK_POOL = 30
# The deeper-fetch loop stops here: the cost of one request stays bounded whatever the collection's size.
MAX_CANDIDATES = 1000
MAX_CHUNKS_PER_DOCUMENT = 20

AuthorSource = Literal["explicit", "query", "llm"]


class InvalidQuery(LLMTwinException, ValueError):
    """The search request itself is unusable (empty query, k out of range, unknown mode)."""


@dataclass
class RetrievalResult:
    query: str
    mode: SearchMode
    hits: list[EmbeddedChunk]
    queries: list[str]
    author: KnownAuthor | None = None
    author_source: AuthorSource | None = None
    # The author filter applied (or not) and why, in words: shown by the CLI, the JSON output and HTTP.
    author_reason: str = ""
    reranked: bool = False
    candidates: int = 0
    notes: list[str] = field(default_factory=list)


class ContextRetriever:
    def __init__(
        self,
        collections: Sequence[type[EmbeddedChunk]] = EMBEDDED_CHUNK_CLASSES,
        directory: AuthorDirectory | None = None,
        chat_client: ChatClient | None = None,
        reranker: Reranker | None = None,
        use_settings: bool = True,
    ) -> None:
        """`use_settings` fills the LLM client and the reranker from settings when not given."""
        self.collections = tuple(collections)
        self.directory = directory or AuthorDirectory()
        self.chat_client = chat_client or (ChatClient.from_settings() if use_settings else None)
        self.reranker = reranker or (get_reranker() if use_settings else None)

    def search(self, query: str, k: int = 5, **options) -> list[EmbeddedChunk]:  # noqa: ANN003 - see retrieve
        return self.retrieve(query, k, **options).hits

    def retrieve(
        self,
        query: str,
        k: int = 5,
        mode: SearchMode = "hybrid",
        author: str | None = None,
        max_chunks_per_document: int | None = None,
        expand: int | None = None,
        rerank: bool | None = None,
        llm_self_query: bool | None = None,
    ) -> RetrievalResult:
        """Search and explain how: hits plus the author filter, the queries and whether it reranked.

        `expand`: number of LLM rewrites (None: 2 when an LLM is configured, else 0). `rerank` and
        `llm_self_query`: None means "when configured". An explicit `author` must be a known user
        (UnknownAuthor otherwise); a name inside the query that matches no user filters nothing.
        """
        query = self._validate(query, k, mode, max_chunks_per_document)
        found, source, reason = self._author(query, author, llm_self_query)
        # A name found in the query is now a filter; searching for it too would favour chunks that name it.
        text = without_name(query, found) if source == "query" else query
        queries = self._queries(text, expand)
        use_reranker = self.reranker is not None and rerank is not False
        if rerank and self.reranker is None:
            logger.warning("Reranking asked for but RERANKING_MODEL is not set: results are not reranked")

        vectors = get_embedding_model().embed(queries)
        sparse = [bm25_query_vector(text) for text in queries]
        query_filter = author_filter(found.id) if found else None
        collections = [cls for cls in self.collections if cls.collection_exists()]

        limit = max(k * CANDIDATE_FACTOR, MIN_CANDIDATES, RERANK_POOL if use_reranker else 0)
        while True:
            ranked_lists, weights, exhausted = [], [], True
            for dense, lexical in zip(vectors, sparse, strict=True):
                per_query = []
                for chunk_class in collections:
                    hits = search_collection(chunk_class, dense.tolist(), lexical, limit, mode, query_filter)
                    exhausted = exhausted and len(hits) < limit
                    per_query.append(hits)
                ranked_lists += per_query
                weights += _relevance_weights(dense, per_query) if mode == "hybrid" else [1.0] * len(per_query)
            candidates = _unique(_merge(ranked_lists, weights, mode))
            if use_reranker:
                candidates = self.reranker.rerank(text, candidates[: max(RERANK_POOL, 2 * k)])
            hits = _cap_per_document(candidates, max_chunks_per_document)
            if len(hits) >= k or exhausted or limit >= MAX_CANDIDATES:
                break
            limit = min(limit * 2, MAX_CANDIDATES)  # filtering left fewer than k and there is more: look deeper

        return RetrievalResult(
            query=query,
            mode=mode,
            hits=hits[:k],
            queries=queries,
            author=found,
            author_source=source,
            author_reason=reason,
            reranked=use_reranker,
            candidates=len(candidates),
        )

    # --- steps ---------------------------------------------------------------------------------

    @staticmethod
    def _validate(query: str, k: int, mode: str, max_chunks_per_document: int | None) -> str:
        if not isinstance(query, str) or not query.strip():
            raise InvalidQuery("query must be a non-empty text")
        if not 1 <= k <= MAX_K:
            raise InvalidQuery(f"k must be between 1 and {MAX_K}, got {k}")
        if mode not in SEARCH_MODES:
            raise InvalidQuery(f"mode must be one of {', '.join(SEARCH_MODES)}, got {mode!r}")
        if max_chunks_per_document is not None and not 1 <= max_chunks_per_document <= MAX_CHUNKS_PER_DOCUMENT:
            raise InvalidQuery(
                f"max_chunks_per_document must be between 1 and {MAX_CHUNKS_PER_DOCUMENT}, "
                f"got {max_chunks_per_document}"
            )
        return query.strip()

    def _author(
        self, query: str, author: str | None, llm_self_query: bool | None
    ) -> tuple[KnownAuthor | None, AuthorSource | None, str]:
        if author is not None and author.strip():
            chosen = self.directory.resolve(author)
            return chosen, "explicit", f"author {author.strip()!r} asked for: {chosen.full_name}"
        match = self.directory.match(query)
        if match.author:
            return match.author, "query", match.reason
        if self.chat_client is not None and llm_self_query is not False:
            extracted = LLMAuthorExtractor(self.chat_client, self.directory).extract(query)
            if extracted:
                return extracted, "llm", f"the LLM read {extracted.full_name} in the query"
        return None, None, match.reason

    def _queries(self, query: str, expand: int | None) -> list[str]:
        n = expand if expand is not None else (DEFAULT_EXPANSIONS if self.chat_client else 0)
        if n <= 0:
            return [query]
        if self.chat_client is None:
            logger.warning("Query expansion asked for but LLM_BASE_URL is not set: searching the original query")
            return [query]
        return QueryExpander(self.chat_client).expand(query, n)


def _key(hit: EmbeddedChunk) -> tuple[str, str]:
    return hit.get_collection_name(), str(hit.id)


def _relevance_weights(query_vector: np.ndarray, lists: list[list[EmbeddedChunk]]) -> list[float]:
    """Each list's weight in the cross-collection fusion: its best dense cosine relative to the best list's.

    Every collection's fused list has a first hit; a collection whose hits are all far from the query
    (holiday posts for a question about attention layers) must not rank its first hit with the others'.
    """
    best = []
    for hits in lists:
        cosines = [float(np.dot(query_vector, hit.embedding)) for hit in hits if hit.embedding is not None]
        best.append(max(cosines, default=0.0))
    top = max(best, default=0.0)
    if top <= 0.0:
        return [1.0] * len(lists)
    return [max(0.0, value) / top for value in best]


def _merge(ranked_lists: list[list[EmbeddedChunk]], weights: list[float], mode: SearchMode) -> list[EmbeddedChunk]:
    if mode == "dense":
        merged = max_score_merge([[(hit, hit.score or 0.0) for hit in hits] for hits in ranked_lists], key=_key)
    else:
        merged = reciprocal_rank_fusion(ranked_lists, key=_key, weights=weights)
    for hit, score in merged:
        hit.score = score
    return [hit for hit, _ in merged]


def _unique(hits: list[EmbeddedChunk]) -> list[EmbeddedChunk]:
    """Drop repeats of a text already ranked higher (the same post published twice, say)."""
    seen: set[str] = set()
    unique = []
    for hit in hits:
        text = " ".join(re.findall(r"\w+", hit.content.casefold())) or hit.content
        if text not in seen:
            seen.add(text)
            unique.append(hit)
    return unique


def _cap_per_document(hits: list[EmbeddedChunk], cap: int | None) -> list[EmbeddedChunk]:
    if cap is None:
        return hits
    per_document: dict[str, int] = {}
    kept = []
    for hit in hits:
        document = str(hit.document_id)
        if per_document.get(document, 0) < cap:
            per_document[document] = per_document.get(document, 0) + 1
            kept.append(hit)
    return kept
