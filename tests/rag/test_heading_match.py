"""Heading match: the share of a question's terms in a hit's title and heading path, and the lever using it."""

from __future__ import annotations

import uuid

import pytest

from llm_engineering.application.networks.embeddings import get_embedding_model
from llm_engineering.application.networks.sparse import Bm25Recipe, bm25_document_vector
from llm_engineering.application.preprocessing.chunking_data_handlers import chunk_index_text
from llm_engineering.application.rag import ContextRetriever
from llm_engineering.application.rag.heading_match import heading_boost, heading_match, query_terms
from llm_engineering.application.rag.retriever import RetrievalOptions
from llm_engineering.domain.documents import UserDocument
from llm_engineering.domain.embedded_chunks import EmbeddedArticleChunk
from tests.rag.conftest import write_raw_documents

STEMS = Bm25Recipe(stem=True)


def test_heading_match_is_the_share_of_question_terms_in_the_line() -> None:
    question = query_terms("monitoring the models in production", STEMS)  # "the", "in": stopwords
    assert question == {"monitor", "model", "product"}
    assert heading_match(question, "Issue 12 > Monitoring your models", STEMS) == pytest.approx(2 / 3)
    assert heading_match(question, "Models monitored in production", STEMS) == 1.0  # stems: monitored = monitor
    assert heading_match(question, None, STEMS) == 0.0 and heading_match(frozenset(), "Models", STEMS) == 0.0


def test_heading_boost_adds_weighted_matches_and_re_sorts() -> None:
    lines = {"a": "Cooking notes", "b": "Handbook > Monitoring models in production", "c": None}
    ranked = [("a", 1.0), ("b", 0.9), ("c", 0.8)]
    question = query_terms("monitoring models", STEMS)
    assert heading_boost(ranked, question, lines.get, 0.0, STEMS) == ranked  # off: untouched
    boosted = heading_boost(ranked, question, lines.get, 0.5, STEMS)
    assert boosted == [("b", pytest.approx(1.4)), ("a", 1.0), ("c", 0.8)]


def _chunk(user: UserDocument, content: str, context: str, link: str) -> EmbeddedArticleChunk:
    metadata = {"context": context}
    text = chunk_index_text(content, metadata)  # embedded and indexed as the feature pipeline does
    return EmbeddedArticleChunk(
        content=content,
        embedding=get_embedding_model().embed([text])[0].tolist(),
        sparse_embedding=bm25_document_vector(text),
        platform="blog",
        document_id=uuid.uuid4(),
        chunk_index=0,
        author_id=user.id,
        author_full_name=user.full_name,
        link=link,
        metadata=metadata,
    )


def test_the_retriever_adds_the_heading_match_to_each_hybrid_score(stores) -> None:  # noqa: ANN001 - fixture
    user = UserDocument(first_name="Ana", last_name="Müller").save()
    chunks = [
        _chunk(
            user, "Alerts fire when the error rate climbs overnight.", "Ops handbook > Monitoring models", "https://a"
        ),
        _chunk(user, "Monitoring a sourdough starter takes patience.", "Baking notes > Bread", "https://b"),
    ]
    EmbeddedArticleChunk.bulk_insert(chunks)
    write_raw_documents(chunks)
    question = "monitoring models"
    plain = {hit.link: hit.score for hit in ContextRetriever(use_settings=False).search(question, k=2)}
    options = RetrievalOptions(heading_weight=0.5)
    boosted = ContextRetriever(use_settings=False, options=options).search(question, k=2)
    assert boosted[0].link == "https://a"
    scores = {hit.link: hit.score for hit in boosted}
    assert scores["https://a"] == pytest.approx(plain["https://a"] + 0.5)  # both terms in its heading path
    assert scores["https://b"] == pytest.approx(plain["https://b"])  # none in "Baking notes > Bread"
