"""ContextRetriever: the chunks that answer a question, across the three embedded collections.

search(query, k) works in six moves:
1. author: an explicit name wins; otherwise the query's own mention of a known author (self-query,
   optionally helped by the LLM); unknown names filter nothing and create nothing;
2. queries: the original, plus LLM rewrites when expansion is configured and asked for;
3. per query and collection: the dense (cosine) and, in hybrid mode, the lexical (BM25) candidates;
4. fusion (see fusion.py and RetrievalOptions): near-identical texts vote as one, dense and lexical
   rankings fuse, documents may be ranked by more than their best chunk; rerank when configured; cap chunks
   per document;
5. exactly k hits: when filtering left fewer than k and the collections hold more, fetch deeper, up to
   MAX_CANDIDATES per collection and query (no request ever scans a whole collection);
6. trust: every hit carries its dense cosine and its lexical score next to the fused score; hits under
   `min_score` (cosine) are dropped, and when no hit reaches CLOSE_PASSAGE_FLOOR (no author filter: with one,
   the author's passages are what was asked for) the result is empty and says why (empty store, an author
   with no documents, or no passage close to the question).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from loguru import logger

from llm_engineering.application.networks.embeddings import get_embedding_model
from llm_engineering.application.networks.sparse import bm25_query_vector, current_recipe
from llm_engineering.application.rag.authors import AuthorDirectory, KnownAuthor, without_name
from llm_engineering.application.rag.collection_search import (
    SEARCH_MODES,
    Candidate,
    Ranked,
    SearchMode,
    read_whole,
    search_collection,
    stored_vectors,
)
from llm_engineering.application.rag.document_signal import document_boost
from llm_engineering.application.rag.feedback import feedback_ranking
from llm_engineering.application.rag.fusion import (
    RRF_K,
    distribution_fusion,
    document_aggregation,
    max_score_merge,
    reciprocal_rank_fusion,
)
from llm_engineering.application.rag.heading_match import heading_boost, query_terms
from llm_engineering.application.rag.lexical_match import holds_every_term
from llm_engineering.application.rag.llm_client import ChatClient
from llm_engineering.application.rag.llm_self_query import LLMAuthorExtractor
from llm_engineering.application.rag.near_duplicates import (
    PointKey,
    boilerplate_keys,
    near_duplicate_keys,
    point_key,
)
from llm_engineering.application.rag.query_expansion import QueryExpander
from llm_engineering.application.rag.reranking import Reranker, get_reranker
from llm_engineering.domain.base.vector import SparseEmbedding, author_filter, ids_filter
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

# MiniLM cosine under which no passage is taken as an answer: the tuning set's questions reach 0.36 and more
# with their best passage, an unrelated one ("best pizza dough recipe") 0.19.
CLOSE_PASSAGE_FLOOR = 0.25

AuthorSource = Literal["explicit", "query", "llm"]
EmptyReason = Literal["empty_store", "author_without_documents", "no_close_passage"]
FusionMethod = Literal["rrf", "dbsf"]


@dataclass(frozen=True)
class RetrievalOptions:
    """The ranking levers (bench/bench_retrieval_ablation.py measures each; defaults are what won)."""

    # With stemmed BM25, DBSF won on the tuning set (Recall@1 0.904 -> 0.919, MRR@10 0.982 -> 0.992 over RRF k=60);
    # with whole-word BM25 it had not (MRR@10 0.974 -> 0.969).
    fusion: FusionMethod = "dbsf"
    # DBSF maps each list onto [0, 1] by mean +- dbsf_sigmas standard deviations. 2 (with BM25 x1.2) won on both
    # tuning sets over the usual 3 (together: Recall@1 0.936 -> 0.951, MRR@10 0.983 -> 0.991); x1.1 to x1.5
    # gave the same, and at 3 sigma a heavier BM25 lost.
    dbsf_sigmas: float = 2.0
    dense_weight: float = 1.0
    lexical_weight: float = 1.2
    rrf_k: int = RRF_K
    merge_near_duplicates: bool = True
    # 0: rank by chunks; > 0: a document's next best chunks add with this decay. 0.3 won on the tuning set with
    # contextual chunks (MRR@10 0.972 -> 0.974, Recall@5 0.987 -> 0.995); DBSF and a heavier BM25 did not.
    document_decay: float = 0.3
    # A text found in many documents of one author among the candidates goes: no change on either set, so off.
    drop_boilerplate: bool = False
    # Leave out chunks the feature pipeline flagged as their author's boilerplate (preprocessing/boilerplate.py):
    # no change on the tuning set with the default recipe and levers (0.919 / 0.992 either way), so off.
    skip_boilerplate_chunks: bool = False
    # > 0: a hybrid hit's fused score gains this x the share of the question's terms in its title and heading
    # path (heading_match.py), before document aggregation. 0.1 and 0.2 changed nothing on either tuning set
    # (both together: Recall@1 0.929, MRR@10 0.979 either way), so off.
    heading_weight: float = 0.0
    # Dense pseudo-relevance feedback (feedback.py): > 0 passages of distinct documents at the top of the fused
    # ranking move the question's vector by feedback_weight x their mean; dense candidates re-ranked, fused again.
    # Lost on the tuning sets together (Recall@1 / MRR@10 0.951 / 0.991 -> 0.936 / 0.983 with 1 or 3 x 0.3,
    # 0.929 / 0.978 with 3 x 1.0), so off.
    feedback_depth: int = 0
    feedback_weight: float = 0.0
    # Document-level dense signal (document_signal.py): the best chunk of each of the top document_depth documents
    # gains document_weight x its document's centroid cosine (spread onto [0, 1]), after document aggregation.
    # Lost on the tuning sets together (0.951 / 0.991 -> 0.944 / 0.987 at 0.2 and 0.5) and costs a filtered
    # search with vectors (p50 about 13 -> 50 ms), so off.
    document_weight: float = 0.0
    document_depth: int = 10
    close_passage_floor: float = CLOSE_PASSAGE_FLOOR


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
    empty_reason: EmptyReason | None = None
    best_dense_score: float | None = None
    min_score: float | None = None

    @property
    def message(self) -> str | None:
        """Why there are no hits, in words (None when there are hits)."""
        if self.hits:
            return None
        if self.empty_reason == "empty_store":
            return "The vector store is empty: run the feature pipeline first."
        if self.empty_reason == "author_without_documents" and self.author is not None:
            return f"{self.author.full_name} has no indexed documents: no chunk matches the author filter."
        if self.empty_reason == "no_close_passage" and self.min_score is not None:
            best = self.best_dense_score or 0.0
            return f"No hit reaches min_score {self.min_score:.2f} on dense cosine (best {best:.2f})."
        if self.empty_reason == "no_close_passage":
            best = f" (best cosine {self.best_dense_score:.2f})" if self.best_dense_score is not None else ""
            return f"No passage is close to this question{best}."
        return "No hits."


class ContextRetriever:
    def __init__(
        self,
        collections: Sequence[type[EmbeddedChunk]] = EMBEDDED_CHUNK_CLASSES,
        directory: AuthorDirectory | None = None,
        chat_client: ChatClient | None = None,
        reranker: Reranker | None = None,
        use_settings: bool = True,
        options: RetrievalOptions | None = None,
    ) -> None:
        """`use_settings` fills the LLM client and the reranker from settings when not given."""
        self.options = options or RetrievalOptions()
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
        min_score: float | None = None,
    ) -> RetrievalResult:
        """Search and explain how: hits plus the author filter, the queries and whether it reranked.

        `expand`: number of LLM rewrites (None: 2 when an LLM is configured, else 0). `rerank` and
        `llm_self_query`: None means "when configured". An explicit `author` must be a known user
        (UnknownAuthor otherwise); a name inside the query that matches no user filters nothing.
        `min_score`: drop hits whose dense cosine is below it.
        """
        query = self._validate(query, k, mode, max_chunks_per_document, min_score)
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
        result = RetrievalResult(
            query=query,
            mode=mode,
            hits=[],
            queries=queries,
            author=found,
            author_source=source,
            author_reason=reason,
            min_score=min_score,
        )

        limit = max(k * CANDIDATE_FACTOR, MIN_CANDIDATES, RERANK_POOL if use_reranker else 0)
        with_content = not self.options.merge_near_duplicates  # exact-text grouping reads the texts
        while True:
            dense_lists, lexical_lists, exhausted, lexical_complete = [], [], True, True
            for dense, lexical in zip(vectors, sparse, strict=True):
                found_lists = [
                    search_collection(cls, dense.tolist(), lexical, limit, mode, query_filter, with_content)
                    for cls in collections
                ]
                exhausted = exhausted and all(len(c.dense) < limit and c.lexical_complete for c in found_lists)
                lexical_complete = lexical_complete and all(c.lexical_complete for c in found_lists)
                dense_lists.append([hit for c in found_lists for hit in c.dense])
                lexical_lists.append([hit for c in found_lists for hit in c.lexical])
            candidates = self._fuse(dense_lists, lexical_lists, mode, text, vectors)
            if use_reranker:
                candidates = self.reranker.rerank(text, read_whole(candidates[: max(RERANK_POOL, 2 * k)]))
            hits = _cap_per_document(candidates, max_chunks_per_document)
            if len(hits) >= k or exhausted or limit >= MAX_CANDIDATES:
                break
            limit = _deeper_limit(limit, len(hits), k)  # filtering left fewer than k and there is more

        result.candidates, result.reranked = len(candidates), use_reranker
        if not candidates:
            result.empty_reason = _why_empty(collections, vectors[0].tolist(), query_filter)
            return result
        hits = read_whole(hits[:k])  # only the answers are read whole
        _fill_scores(hits, vectors[0].tolist(), sparse[0], mode, lexical_complete)
        result.best_dense_score = max(((hit.dense_score or 0.0) for hit in hits), default=0.0)
        # Judged on every candidate: a close passage fused below the top k (a lexical match won) still counts.
        closest = max(result.best_dense_score, *((hit.dense_score or 0.0) for hit in candidates))
        # With an author filter the user asked for that author's passages: they are shown, cosines and all. A
        # passage holding every term of the question (a rare name, an identifier) is close whatever its cosine.
        if (
            query_filter is None
            and closest < self.options.close_passage_floor
            and not (mode == "hybrid" and holds_every_term(hits, sparse[0]))
        ):
            result.empty_reason, result.min_score, result.best_dense_score = "no_close_passage", None, closest
            return result
        if min_score is not None:
            hits = [hit for hit in hits if (hit.dense_score or 0.0) >= min_score]
            if not hits:
                result.empty_reason = "no_close_passage"
        result.hits = hits
        return result

    def _fuse(
        self,
        dense_lists: list[list[Candidate]],
        lexical_lists: list[list[Candidate]],
        mode: SearchMode,
        question: str,
        query_vectors: Sequence[Sequence[float]] = (),
    ) -> list[Candidate]:
        """One ranking from every query's dense and lexical lists; each hit keeps both of its scores."""
        options = self.options
        if options.skip_boilerplate_chunks:
            dense_lists = [[hit for hit in hits if not hit.metadata.get("boilerplate")] for hits in dense_lists]
            lexical_lists = [[hit for hit in hits if not hit.metadata.get("boilerplate")] for hits in lexical_lists]
        everything = [hit for hits in (*dense_lists, *lexical_lists) for hit in hits]
        # Each hit's point key, computed once per object (ids are UUIDs: turning one into text is not free).
        point_keys = {id(hit): point_key(hit) for hit in everything}
        ordered = [point_keys[id(hit)] for hit in everything]
        if options.merge_near_duplicates:
            groups = near_duplicate_keys(everything, ordered)
        else:
            groups = _exact_text_keys(everything, ordered)
        _share_scores(everything, ordered, groups)
        if options.drop_boilerplate:
            repeated = boilerplate_keys(everything, groups)
            dense_lists = [[hit for hit in hits if groups[point_keys[id(hit)]] not in repeated] for hits in dense_lists]
            lexical_lists = [
                [hit for hit in hits if groups[point_keys[id(hit)]] not in repeated] for hits in lexical_lists
            ]

        def key(hit: Candidate) -> object:
            return groups[point_keys[id(hit)]]

        # Cosines compare across collections: each query's dense lists merge into one ranking by score.
        dense_ranked = [max_score_merge([[(hit, hit.dense_score or 0.0) for hit in hits]], key) for hits in dense_lists]
        lexical_ranked = [
            sorted(((hit, hit.lexical_score or 0.0) for hit in hits), key=lambda pair: pair[1], reverse=True)
            for hits in lexical_lists
        ]

        def hybrid(dense_ranked: list[list[tuple[Candidate, float]]]) -> list[tuple[Candidate, float]]:
            lists = [*dense_ranked, *lexical_ranked]
            weights = [options.dense_weight] * len(dense_ranked) + [options.lexical_weight] * len(lexical_ranked)
            if options.fusion == "dbsf":
                return distribution_fusion(lists, key, weights, options.dbsf_sigmas)
            ranked = [[hit for hit, _ in scored] for scored in lists]
            return reciprocal_rank_fusion(ranked, key, weights, k=options.rrf_k)

        fused = max_score_merge(dense_ranked, key) if mode == "dense" else hybrid(dense_ranked)
        if mode == "hybrid" and options.feedback_depth > 0 and len(query_vectors):  # feedback.py
            depth, weight = options.feedback_depth, options.feedback_weight
            dense_ranked = [
                feedback_ranking(fused, scored, vector, weight, depth)
                for scored, vector in zip(dense_ranked, query_vectors, strict=True)
            ]
            fused = hybrid(dense_ranked)
        if mode == "hybrid" and options.heading_weight > 0:
            recipe = current_recipe()
            fused = heading_boost(
                fused,
                query_terms(question, recipe),
                lambda hit: hit.metadata.get("context"),
                options.heading_weight,
                recipe,
            )
        if mode == "hybrid" and options.document_decay > 0:  # dense mode keeps the cosine as its score
            fused = document_aggregation(fused, lambda hit: hit.document_id, options.document_decay)
        if mode == "hybrid" and options.document_weight > 0 and len(query_vectors):  # document_signal.py
            fused = document_boost(fused, query_vectors[0], options.document_weight, options.document_depth)
        for hit, score in fused:
            hit.score = score
        return [hit for hit, _ in fused]

    # --- steps ---------------------------------------------------------------------------------

    @staticmethod
    def _validate(
        query: str, k: int, mode: str, max_chunks_per_document: int | None, min_score: float | None = None
    ) -> str:
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
        if min_score is not None and not -1.0 <= min_score <= 1.0:
            raise InvalidQuery(f"min_score is a cosine similarity between -1 and 1, got {min_score}")
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


def _why_empty(collections: list[type[EmbeddedChunk]], dense: list[float], query_filter: object | None) -> EmptyReason:
    """No candidate at all: the author filter excluded everything, or there is nothing to search."""
    if query_filter is not None and any(cls.search(dense, limit=1) for cls in collections):
        return "author_without_documents"
    return "empty_store"


def _exact_text_keys(hits: list[Candidate], keys: list[PointKey]) -> dict[PointKey, object]:
    """Same words in the same order (the same post published twice, say) -> one key."""
    groups: dict[PointKey, object] = {}
    for hit, hit_key in zip(hits, keys, strict=True):
        if hit_key not in groups:
            groups[hit_key] = " ".join(re.findall(r"\w+", (hit.content or "").casefold())) or hit_key
    return groups


def _share_scores(hits: list[Candidate], keys: list[PointKey], groups: dict[PointKey, object]) -> None:
    """A hit found by both signals (or under two near-identical texts) shows the best score of each."""
    best: dict[object, tuple[float | None, float | None]] = {}
    hit_groups = [groups[hit_key] for hit_key in keys]
    for hit, group in zip(hits, hit_groups, strict=True):
        dense, lexical = best.get(group, (None, None))
        best[group] = (_max(dense, hit.dense_score), _max(lexical, hit.lexical_score))
    for hit, group in zip(hits, hit_groups, strict=True):
        dense, lexical = best[group]
        hit.dense_score, hit.lexical_score = dense, lexical


def _max(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else max(a, b)


def _fill_scores(
    hits: list[EmbeddedChunk], dense: list[float], sparse: SparseEmbedding, mode: SearchMode, lexical_complete: bool
) -> None:
    """Fill the score a hit is missing (it was a candidate of one signal only).

    Its cosine comes from its stored vector, read by id. A hit missing from complete lexical lists shares no term
    with the query: its lexical score is 0; otherwise one lexical search restricted to the missing ids scores
    them (one request per collection; a hit it does not return shares no term with the query).
    """
    _fill_cosines([hit for hit in hits if hit.dense_score is None], dense)
    if mode == "dense":
        for hit in hits:
            hit.lexical_score = None
        return
    missing = [hit for hit in hits if hit.lexical_score is None]
    if missing and not lexical_complete:
        for chunk_class, same_class in EmbeddedChunk.group_by_class(missing).items():
            ids = [str(hit.id) for hit in same_class]
            scores = dict(chunk_class.search_sparse_scores(sparse, len(ids), ids_filter(ids)))
            for hit, point_id in zip(same_class, ids, strict=True):
                hit.lexical_score = scores.get(point_id, 0.0)
    for hit in missing:
        if hit.lexical_score is None:
            hit.lexical_score = 0.0


def _fill_cosines(hits: list[EmbeddedChunk], dense: list[float]) -> None:
    if not hits:
        return
    query = np.asarray(dense, dtype=np.float32)
    query /= max(float(np.linalg.norm(query)), 1e-12)
    vectors = stored_vectors(hits)
    for hit in hits:
        vector = vectors.get(id(hit))
        if vector is not None:  # a point deleted since the search keeps no cosine
            hit.dense_score = float(query @ vector)


def _deeper_limit(limit: int, kept: int, k: int) -> int:
    """The next candidate depth: as deep as the share of candidates that survived merging suggests (with a
    margin), at least twice the last one, at most MAX_CANDIDATES. One deeper round is usually enough."""
    wanted = limit * 2 if kept == 0 else int(limit * 1.5 * k / kept) + 1
    return min(max(wanted, limit * 2), MAX_CANDIDATES)


def _cap_per_document(hits: list[Ranked], cap: int | None) -> list[Ranked]:
    if cap is None:
        return hits
    per_document: dict[object, int] = {}
    kept = []
    for hit in hits:
        document = hit.document_id
        if per_document.get(document, 0) < cap:
            per_document[document] = per_document.get(document, 0) + 1
            kept.append(hit)
    return kept
