"""ContextRetriever on a real small knowledge base (MiniLM + BM25 vectors in local Qdrant, users in MongoDB)."""

from __future__ import annotations

import uuid

import numpy as np
import pytest

from llm_engineering.application.networks.embeddings import get_embedding_model
from llm_engineering.application.networks.sparse import bm25_document_vector, bm25_query_vector
from llm_engineering.application.rag import ContextRetriever, InvalidQuery, UnknownAuthor
from llm_engineering.application.rag.retriever import RetrievalOptions
from llm_engineering.domain.documents import ArticleDocument, UserDocument
from llm_engineering.domain.embedded_chunks import EmbeddedArticleChunk
from tests.rag.conftest import CORPUS, KnowledgeBase


def test_returns_exactly_k_hits_across_collections(knowledge_base: KnowledgeBase) -> None:
    retriever = ContextRetriever(use_settings=False)
    for k in (1, 3, 7, 9):
        hits = retriever.search("machine learning", k=k)
        assert len(hits) == k
    everything = retriever.search("machine learning", k=50)
    assert len(everything) == len(CORPUS) - 1  # one post repeats another's text word for word
    assert {hit.get_collection_name() for hit in everything} == {
        "embedded_articles",
        "embedded_posts",
        "embedded_repositories",
    }


@pytest.mark.parametrize("mode", ["dense", "hybrid"])
def test_hits_are_ranked_and_carry_their_provenance(knowledge_base: KnowledgeBase, mode: str) -> None:
    hits = ContextRetriever(use_settings=False).search("How do graph attention networks weigh neighbours?", mode=mode)
    assert hits[0].content.startswith("A graph attention network")
    assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)
    top = hits[0]
    assert top.link == "https://blog.example/gnn" and top.author_full_name == "José Núñez"
    assert top.document_id == knowledge_base.documents["gnn"]


def test_hybrid_finds_an_exact_identifier(knowledge_base: KnowledgeBase) -> None:
    hits = ContextRetriever(use_settings=False).search("zx81_checksum", k=1, mode="hybrid")
    assert "def zx81_checksum" in hits[0].content


def test_a_far_collection_does_not_crowd_the_top(knowledge_base: KnowledgeBase) -> None:
    hits = ContextRetriever(use_settings=False).search("how do graph neural networks aggregate neighbours", k=3)
    assert [hit.get_collection_name() for hit in hits] == ["embedded_articles"] * 3


def test_duplicate_texts_are_returned_once(knowledge_base: KnowledgeBase) -> None:
    hits = ContextRetriever(use_settings=False).search("FastAPI uvicorn inference service deployment", k=10)
    fastapi = [hit for hit in hits if "FastAPI" in hit.content]
    assert len(fastapi) == 1
    assert len({hit.id for hit in hits}) == len(hits)


def test_max_chunks_per_document_caps_and_still_fills_k(knowledge_base: KnowledgeBase) -> None:
    retriever = ContextRetriever(use_settings=False)
    uncapped = retriever.search("graph neural network neighbours", k=4)
    assert sum(hit.document_id == knowledge_base.documents["gnn"] for hit in uncapped) == 3
    capped = retriever.search("graph neural network neighbours", k=4, max_chunks_per_document=1)
    assert len(capped) == 4
    assert len({hit.document_id for hit in capped}) == 4


def test_author_in_the_query_filters_without_creating_users(knowledge_base: KnowledgeBase) -> None:
    retriever = ContextRetriever(use_settings=False)
    result = retriever.retrieve("what did Nunez write about deployment", k=10)
    assert result.author.full_name == "José Núñez" and result.author_source == "query"
    assert result.author_reason == "the query names José Núñez by last name ('Nunez')"
    lowercase = retriever.retrieve("what did nunez write about deployment", k=3)
    assert lowercase.author is None and "not written as a name" in lowercase.author_reason
    assert result.hits and {hit.author_full_name for hit in result.hits} == {"José Núñez"}
    unknown = retriever.retrieve("what did Nunes write about graph networks", k=3)
    assert unknown.author is None and len(unknown.hits) == 3
    assert sorted(user.full_name for user in UserDocument.bulk_find()) == ["Ana Müller", "José Núñez"]


def test_explicit_author_wins_over_the_query(knowledge_base: KnowledgeBase) -> None:
    result = ContextRetriever(use_settings=False).retrieve("what did Núñez write", k=20, author="ana müller")
    assert result.author_source == "explicit"
    assert {hit.author_full_name for hit in result.hits} == {"Ana Müller"}
    with pytest.raises(UnknownAuthor, match="known authors"):
        ContextRetriever(use_settings=False).search("graphs", author="Nobody Known")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"query": "   "}, "non-empty"),
        ({"query": "graphs", "k": 0}, "between 1 and 100"),
        ({"query": "graphs", "k": 101}, "between 1 and 100"),
        ({"query": "graphs", "mode": "sparse"}, "mode must be one of"),
        ({"query": "graphs", "max_chunks_per_document": 0}, "between 1 and 20"),
        ({"query": "graphs", "max_chunks_per_document": 21}, "between 1 and 20"),
        ({"query": "graphs", "min_score": 1.5}, "between -1 and 1"),
    ],
)
def test_invalid_requests_are_rejected_clearly(kwargs: dict, message: str) -> None:
    with pytest.raises(InvalidQuery, match=message):
        ContextRetriever(use_settings=False).search(**kwargs)


def test_deeper_fetch_is_bounded(stores, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001 - fixture
    """One document of many chunks and a cap of one chunk per document: the loop would otherwise double its
    fetch until it had read the whole collection."""
    from llm_engineering.application.rag import retriever as retriever_module
    from llm_engineering.application.rag.collection_search import search_collection
    from tests.rag.conftest import write_raw_documents

    user = UserDocument(first_name="Ana", last_name="Müller").save()
    texts = [f"Note {n} about caching layers and eviction policy number {n}." for n in range(120)]
    vectors = get_embedding_model().embed(texts)
    document_id = uuid.uuid4()
    chunks = [
        EmbeddedArticleChunk(
            content=text,
            embedding=vector.tolist(),
            sparse_embedding=bm25_document_vector(text),
            platform="blog",
            document_id=document_id,
            chunk_index=n,
            author_id=user.id,
            author_full_name=user.full_name,
            link="https://blog.example/cache",
        )
        for n, (text, vector) in enumerate(zip(texts, vectors, strict=True))
    ]
    EmbeddedArticleChunk.bulk_insert(chunks)
    write_raw_documents(chunks[:1])
    limits: list[int] = []

    def recording_search(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - pass-through
        limits.append(args[3])
        return search_collection(*args, **kwargs)

    monkeypatch.setattr(retriever_module, "MAX_CANDIDATES", 50)
    monkeypatch.setattr(retriever_module, "search_collection", recording_search)
    result = ContextRetriever(use_settings=False).retrieve("eviction policy", k=5, max_chunks_per_document=1)
    assert len(result.hits) == 1  # one document: one hit, however deep it looked
    assert max(limits) == 50 and len(limits) <= 3  # 20, 40, 50: stopped at the bound, not at 120


def test_empty_store_returns_no_hits_and_says_why(stores) -> None:  # noqa: ANN001 - fixture
    result = ContextRetriever(use_settings=False).retrieve("anything", k=5)
    assert result.hits == [] and result.empty_reason == "empty_store"
    assert result.message == "The vector store is empty: run the feature pipeline first."


def test_every_hit_shows_its_cosine_and_its_lexical_score(knowledge_base: KnowledgeBase) -> None:
    hits = ContextRetriever(use_settings=False).search("graph attention coefficients", k=4)
    for hit in hits:
        assert -1.0 <= hit.dense_score <= 1.0 and hit.lexical_score >= 0.0
    assert hits[0].lexical_score > 0  # it shares the query's words
    assert hits[0].dense_score == max(hit.dense_score for hit in hits)
    dense = ContextRetriever(use_settings=False).search("graph attention coefficients", k=2, mode="dense")
    assert dense[0].score == dense[0].dense_score and dense[0].lexical_score is None


def test_a_hit_found_by_its_words_alone_gets_its_exact_cosine(knowledge_base: KnowledgeBase) -> None:
    """Hits found by one signal only get the other filled in: the cosine from the stored vector."""
    from llm_engineering.application.rag.retriever import _fill_scores

    query = "graph attention coefficients"
    sparse = bm25_query_vector(query)
    lexical_only = EmbeddedArticleChunk.search_sparse(sparse, limit=5)
    assert lexical_only and all(hit.dense_score is None for hit in lexical_only)
    (vector,) = get_embedding_model().embed([query])
    _fill_scores(lexical_only, vector.tolist(), sparse, "hybrid", lexical_complete=True)
    for hit in lexical_only:
        (stored,) = EmbeddedArticleChunk.retrieve([hit.id], with_vectors=True)
        assert hit.dense_score == pytest.approx(float(np.dot(vector, stored.embedding)), abs=1e-4)


def test_a_hit_found_by_its_meaning_alone_gets_its_lexical_score(knowledge_base: KnowledgeBase) -> None:
    """When the lexical lists were cut short, the missing BM25 scores come from one search over those ids."""
    from llm_engineering.application.rag.retriever import _fill_scores

    query = "graph attention coefficients"
    sparse = bm25_query_vector(query)
    (vector,) = get_embedding_model().embed([query])
    dense_only = EmbeddedArticleChunk.search(vector.tolist(), limit=6)
    assert dense_only and all(hit.lexical_score is None for hit in dense_only)
    everything = dict(EmbeddedArticleChunk.search_sparse_scores(sparse, limit=1000))
    _fill_scores(dense_only, vector.tolist(), sparse, "hybrid", lexical_complete=False)
    assert [hit.lexical_score for hit in dense_only] == pytest.approx(
        [everything.get(str(hit.id), 0.0) for hit in dense_only], abs=1e-5
    )
    assert any(hit.lexical_score > 0 for hit in dense_only) and any(hit.lexical_score == 0 for hit in dense_only)


def test_min_score_drops_weak_hits(knowledge_base: KnowledgeBase) -> None:
    retriever = ContextRetriever(use_settings=False)
    every = retriever.search("graph attention coefficients", k=6)
    floor = sorted(hit.dense_score for hit in every)[len(every) // 2]
    kept = retriever.search("graph attention coefficients", k=6, min_score=floor)
    assert kept and len(kept) < len(every) and all(hit.dense_score >= floor for hit in kept)
    none = retriever.retrieve("graph attention coefficients", k=6, min_score=0.99)
    assert none.hits == [] and none.message.startswith("No hit reaches min_score 0.99")


def test_a_question_far_from_every_passage_says_so(knowledge_base: KnowledgeBase) -> None:
    result = ContextRetriever(use_settings=False).retrieve("best pizza dough recipe", k=5)
    assert result.hits == [] and result.empty_reason == "no_close_passage"
    assert result.message.startswith("No passage is close to this question (best cosine")


def test_a_passage_holding_every_term_of_the_question_counts_as_close(knowledge_base: KnowledgeBase) -> None:
    """A rare name alone scores a low cosine even against the passage that contains it: the exact match counts."""
    strict = ContextRetriever(use_settings=False, options=RetrievalOptions(close_passage_floor=0.99))
    found = strict.retrieve("GraphSAGE", k=3)
    assert found.hits and "GraphSAGE" in found.hits[0].content and found.best_dense_score < 0.99
    assert strict.retrieve("GraphSAGE", k=3, mode="dense").empty_reason == "no_close_passage"  # no lexical signal
    assert strict.retrieve("GraphSAGE pizza", k=3).empty_reason == "no_close_passage"  # one term is not enough


def test_an_author_without_documents_is_named_as_the_cause(knowledge_base: KnowledgeBase) -> None:
    grace = UserDocument(first_name="Grace", last_name="Hopper").save()
    # A known author (a document in the warehouse) whose documents are not indexed yet.
    ArticleDocument(
        content={"Content": "Notes on compilers."},
        platform="blog",
        author_id=grace.id,
        author_full_name=grace.full_name,
        link="https://blog.example/compilers",
    ).save()
    result = ContextRetriever(use_settings=False).retrieve("graph attention", k=3, author="Grace Hopper")
    assert result.hits == [] and result.empty_reason == "author_without_documents"
    assert result.message == "Grace Hopper has no indexed documents: no chunk matches the author filter."
