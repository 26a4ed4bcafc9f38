"""Ranking levers of issue 11: DBSF's spread, dense pseudo-relevance feedback, the document centroid signal."""

from __future__ import annotations

import uuid

import numpy as np
import pytest

from llm_engineering.application.networks.embeddings import get_embedding_model
from llm_engineering.application.networks.sparse import bm25_document_vector
from llm_engineering.application.rag import ContextRetriever
from llm_engineering.application.rag import retriever as retriever_module
from llm_engineering.application.rag.document_signal import document_scores
from llm_engineering.application.rag.feedback import rocchio_query
from llm_engineering.application.rag.fusion import distribution_fusion
from llm_engineering.application.rag.retriever import RetrievalOptions
from llm_engineering.domain.documents import UserDocument
from llm_engineering.domain.embedded_chunks import EmbeddedArticleChunk
from tests.rag.conftest import write_raw_documents


def test_a_narrower_dbsf_spread_clips_a_clear_leader_and_widens_the_gaps() -> None:
    scored = [("a", 1.0), ("b", 0.0), ("c", 0.0), ("d", 0.0)]  # mean 0.25, sigma 0.433
    wide = dict(distribution_fusion([scored], key=str, sigmas=3.0))
    narrow = dict(distribution_fusion([scored], key=str, sigmas=1.0))
    sigma = np.sqrt(0.1875)
    assert wide["a"] == pytest.approx((1.0 - 0.25 + 3 * sigma) / (6 * sigma))
    assert narrow["a"] == 1.0  # beyond mean + 1 sigma: clipped
    assert narrow["b"] == pytest.approx((0.0 - (0.25 - sigma)) / (2 * sigma))
    assert narrow["a"] - narrow["b"] > wide["a"] - wide["b"]


def test_rocchio_query_adds_the_weighted_mean_of_the_feedback_to_the_normalised_question() -> None:
    moved = rocchio_query([2.0, 0.0], [np.array([0.0, 1.0]), np.array([0.0, 0.5])], weight=0.5)
    assert moved.tolist() == pytest.approx([1.0, 0.375])
    assert rocchio_query([2.0, 0.0], [np.array([0.0, 1.0])], weight=0.0).tolist() == pytest.approx([1.0, 0.0])


def _chunk(user: UserDocument, content: str, link: str, document_id: uuid.UUID, index: int) -> EmbeddedArticleChunk:
    return EmbeddedArticleChunk(
        content=content,
        embedding=get_embedding_model().embed([content])[0].tolist(),
        sparse_embedding=bm25_document_vector(content),
        platform="blog",
        document_id=document_id,
        chunk_index=index,
        author_id=user.id,
        author_full_name=user.full_name,
        link=link,
    )


def _seed() -> tuple[list[EmbeddedArticleChunk], dict[str, uuid.UUID]]:
    user = UserDocument(first_name="Ana", last_name="Müller").save()
    documents = {"https://ops": uuid.uuid4(), "https://bake": uuid.uuid4()}
    texts = {
        "https://ops": [
            "Monitoring models in production: alerts fire when the error rate drifts.",
            "Dashboards track prediction drift so the on-call engineer sees it first.",
        ],
        "https://bake": ["Monitoring a sourdough starter takes patience and a warm kitchen."],
    }
    chunks = [
        _chunk(user, text, link, documents[link], index)
        for link, parts in texts.items()
        for index, text in enumerate(parts)
    ]
    EmbeddedArticleChunk.bulk_insert(chunks)
    write_raw_documents(chunks)
    return chunks, documents


def _unit(vector: list[float]) -> np.ndarray:
    array = np.asarray(vector, dtype=np.float32)
    return array / np.linalg.norm(array)


def test_feedback_reranks_the_dense_candidates_by_the_rocchio_vector(stores, monkeypatch) -> None:  # noqa: ANN001
    chunks, _ = _seed()
    question = "monitoring model errors"
    calls = []
    real = retriever_module.feedback_ranking

    def spy(fused, dense, query, weight, depth):  # noqa: ANN001, ANN202 - records, then runs the real code
        ranked = real(fused, dense, query, weight, depth)
        calls.append((fused[0][0], query, ranked))
        return ranked

    monkeypatch.setattr(retriever_module, "feedback_ranking", spy)
    plain = {hit.link: hit.dense_score for hit in ContextRetriever(use_settings=False).search(question, k=3)}
    options = RetrievalOptions(feedback_depth=1, feedback_weight=0.7)
    hits = ContextRetriever(use_settings=False, options=options).search(question, k=3)

    assert len(calls) == 1
    top, query, ranked = calls[0]
    stored = {str(chunk.id): _unit(chunk.embedding) for chunk in chunks}
    moved = _unit(query) + 0.7 * stored[str(top.id)]  # feedback: the fused ranking's best passage
    for hit, score in ranked:
        assert score == pytest.approx(float(moved @ stored[str(hit.id)]), abs=1e-5)
    assert [score for _, score in ranked] == sorted((score for _, score in ranked), reverse=True)
    # What a user reads stays the cosine with the question itself.
    assert {hit.link: hit.dense_score for hit in hits} == pytest.approx(plain)


def test_document_signal_scores_the_centroid_and_boosts_each_best_chunk(stores) -> None:  # noqa: ANN001
    chunks, documents = _seed()
    question = "monitoring model errors"
    query = get_embedding_model().embed([question])[0].tolist()
    scores = document_scores({EmbeddedArticleChunk: [str(d) for d in documents.values()]}, query)
    for link, document in documents.items():
        centroid = np.mean([_unit(c.embedding) for c in chunks if c.document_id == document], axis=0)
        expected = float(_unit(query) @ centroid) / float(np.linalg.norm(centroid))
        assert scores[str(document)] == pytest.approx(expected, abs=1e-5), link

    plain = {hit.link: hit.score for hit in ContextRetriever(use_settings=False).search(question, k=2)}
    options = RetrievalOptions(document_weight=0.6)
    boosted = {
        hit.link: hit.score for hit in ContextRetriever(use_settings=False, options=options).search(question, k=2)
    }
    # Two documents spread by mean +- 3 sigma: the closer centroid maps to 2/3, the other to 1/3.
    closer = max(documents, key=lambda link: scores[str(documents[link])])
    for link in documents:
        gain = 0.6 * (2 / 3 if link == closer else 1 / 3)
        assert boosted[link] == pytest.approx(plain[link] + gain, abs=1e-6)
