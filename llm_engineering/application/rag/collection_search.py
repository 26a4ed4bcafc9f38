"""One query against one embedded collection: its dense and its lexical candidates, through the ODM.

Dense candidates carry their cosine similarity, lexical ones their BM25 score (saturated term frequencies stored
with the chunk, IDF applied by the vector store). Fusing them is the retriever's job (fusion.py), so every
fused hit can show both of the scores it was ranked by.

Candidates are light: ids, scores and the few payload fields that ranking reads (CANDIDATE_FIELDS). A search
weighs some two hundred of them and answers with ten, so only the answers are read whole (`read_whole`):
reading and validating every candidate as a chunk cost more than the engine's own search.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from llm_engineering.domain.base.vector import SparseEmbedding
from llm_engineering.domain.base.vector_store import Filter, Hit
from llm_engineering.domain.embedded_chunks import EmbeddedChunk

# What ranking reads of a candidate: its document (aggregation, per-document cap), its author (boilerplate), its
# text sketch (near-duplicates) and its metadata (heading path, boilerplate flag). Not its text.
CANDIDATE_FIELDS = ("document_id", "author_id", "text_sketch", "metadata")

SearchMode = Literal["dense", "hybrid"]
SEARCH_MODES: tuple[SearchMode, ...] = ("dense", "hybrid")


@dataclass(slots=True, eq=False)
class Candidate:
    """A chunk found by a search, before it is read whole: what ranking needs, and both of its scores.

    It answers the attributes ranking reads with the names an EmbeddedChunk gives them. `content` is only
    read when asked for (`with_content`): exact-text grouping, and chunks stored without a text sketch.
    """

    chunk_class: type[EmbeddedChunk]
    id: str
    document_id: str
    author_id: str
    text_sketch: str
    metadata: dict[str, Any]
    content: str | None = None
    dense_score: float | None = None
    lexical_score: float | None = None
    score: float | None = None

    @classmethod
    def from_hit(cls, chunk_class: type[EmbeddedChunk], hit: Hit) -> Candidate:
        payload = hit.payload
        return cls(
            chunk_class,
            hit.id,
            str(payload.get("document_id", "")),
            str(payload.get("author_id", "")),
            payload.get("text_sketch") or "",
            payload.get("metadata") or {},
            payload.get("content"),
            score=hit.score,
        )

    def get_collection_name(self) -> str:
        return self.chunk_class.get_collection_name()


Ranked = Candidate | EmbeddedChunk  # what ranking handles: a light candidate, or a chunk read whole


@dataclass
class Candidates:
    """A collection's best chunks for one query, by each signal, best first.

    A chunk found by both signals is one object in both lists, carrying both scores; one found by a single
    signal lacks the other score (the retriever fills it in for the hits it returns).
    """

    dense: list[Candidate] = field(default_factory=list)
    lexical: list[Candidate] = field(default_factory=list)
    lexical_complete: bool = True  # every chunk that shares a term with the query is in `lexical`


def search_collection(
    chunk_class: type[EmbeddedChunk],
    dense: list[float],
    sparse: SparseEmbedding | None,
    limit: int,
    mode: SearchMode = "hybrid",
    query_filter: Filter | None = None,
    with_content: bool = False,
) -> Candidates:
    """Dense candidates always; lexical ones in hybrid mode when the query has terms (not only stopwords).

    The lexical ranking comes as ids and scores; the chunks the dense list lacks are then read by id. A ranking
    shorter than `limit` holds every chunk sharing a term. (Ranking deeper, to give more candidates their
    lexical score, cost more in the 100k-chunk bench than scoring the few answers that lack one.)
    """
    fields = (*CANDIDATE_FIELDS, "content") if with_content else CANDIDATE_FIELDS
    found = Candidates(dense=_candidates(chunk_class, chunk_class.search_fields(dense, limit, query_filter, fields)))
    for candidate in found.dense:
        candidate.dense_score = candidate.score
    if not with_content:
        _add_missing_content(chunk_class, found.dense)
    if mode != "hybrid" or sparse is None or not sparse.indices:
        return found
    ranked = chunk_class.search_sparse_scores(sparse, limit=limit, query_filter=query_filter)
    found.lexical_complete = len(ranked) < limit
    by_id = {candidate.id: candidate for candidate in found.dense}
    missing = [point_id for point_id, _ in ranked if point_id not in by_id]
    read = _candidates(chunk_class, chunk_class.retrieve_fields(missing, fields))
    if not with_content:
        _add_missing_content(chunk_class, read)
    by_id.update((candidate.id, candidate) for candidate in read)
    for point_id, lexical_score in ranked:
        candidate = by_id.get(point_id)
        if candidate is not None:  # a point deleted between the two requests is left out
            candidate.lexical_score = lexical_score
            found.lexical.append(candidate)
    return found


def read_whole(candidates: Sequence[Ranked]) -> list[EmbeddedChunk]:
    """The candidates as chunks, read whole by id (one request per collection), scores kept, order kept.

    A point deleted since it was found is left out.
    """
    light = [candidate for candidate in candidates if isinstance(candidate, Candidate)]
    by_class: dict[type[EmbeddedChunk], list[Candidate]] = {}
    for candidate in light:
        by_class.setdefault(candidate.chunk_class, []).append(candidate)
    whole: dict[tuple[str, str], EmbeddedChunk] = {}
    for chunk_class, same_class in by_class.items():
        name = chunk_class.get_collection_name()
        whole.update(((name, str(chunk.id)), chunk) for chunk in chunk_class.retrieve(c.id for c in same_class))
    chunks = []
    for candidate in candidates:
        if not isinstance(candidate, Candidate):
            chunks.append(candidate)
            continue
        chunk = whole.get((candidate.get_collection_name(), candidate.id))
        if chunk is not None:
            # One validated copy with every score: pydantic's attribute assignment is slow, model_copy is not.
            chunks.append(
                chunk.model_copy(
                    update={
                        "score": candidate.score,
                        "dense_score": candidate.dense_score,
                        "lexical_score": candidate.lexical_score,
                    }
                )
            )
    return chunks


def _candidates(chunk_class: type[EmbeddedChunk], hits: list[Hit]) -> list[Candidate]:
    return [Candidate.from_hit(chunk_class, hit) for hit in hits]


def _add_missing_content(chunk_class: type[EmbeddedChunk], candidates: list[Candidate]) -> None:
    """Chunks stored before text sketches existed are grouped by their text: read it for those only."""
    unsketched = {candidate.id: candidate for candidate in candidates if not candidate.text_sketch}
    if unsketched:
        for hit in chunk_class.retrieve_fields(unsketched, ("content",)):
            unsketched[hit.id].content = hit.payload.get("content")


def chunk_class_of(hit: Ranked) -> type[EmbeddedChunk]:
    """The collection class a ranked hit comes from (a light candidate names it; a chunk read whole is one)."""
    return hit.chunk_class if isinstance(hit, Candidate) else type(hit)


def stored_vectors(hits: Sequence[Ranked]) -> dict[int, np.ndarray]:
    """Each hit's stored dense vector, L2-normalised, by the hit object's id (one read per collection)."""
    found: dict[int, np.ndarray] = {}
    by_class: dict[type, list[Ranked]] = {}
    for hit in hits:
        by_class.setdefault(chunk_class_of(hit), []).append(hit)
    for chunk_class, same_class in by_class.items():
        vectors = chunk_class.dense_vectors(str(hit.id) for hit in same_class)
        for hit in same_class:
            vector = vectors.get(str(hit.id))
            if vector is not None:  # a point deleted since the search is left out
                stored = np.asarray(vector, dtype=np.float32)
                found[id(hit)] = stored / max(float(np.linalg.norm(stored)), 1e-12)
    return found
