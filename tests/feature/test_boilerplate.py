"""Boilerplate paragraphs: detected across one author's documents at feature time, flagged on their chunks."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from llm_engineering.application.networks.sparse import bm25_document_vector
from llm_engineering.application.preprocessing.boilerplate import (
    boilerplate_share,
    find_boilerplate,
    index_omissions,
    paragraph_spans,
    spans_within,
    with_boilerplate,
    without_spans,
)
from llm_engineering.application.preprocessing.chunking_data_handlers import chunk_index_text, chunking_fingerprint
from llm_engineering.application.preprocessing.cleaning_data_handlers import content_hash
from llm_engineering.application.preprocessing.consistency import check_feature_store
from llm_engineering.application.preprocessing.dispatchers import ChunkingDispatcher
from llm_engineering.application.rag import ContextRetriever
from llm_engineering.application.rag.retriever import RetrievalOptions
from llm_engineering.domain.cleaned_documents import CleanedArticleDocument, CleanedPostDocument
from llm_engineering.domain.documents import ArticleDocument
from llm_engineering.domain.embedded_chunks import EmbeddedArticleChunk
from llm_engineering.domain.types import DataCategory
from tests.feature.conftest import AUTHOR, AUTHOR_ID, OTHER_AUTHOR, OTHER_AUTHOR_ID, run_feature_pipeline
from tests.feature.test_pipeline_end_to_end import _forget_settings

FOOTER = (
    "Thanks for reading the Decoding Vectors newsletter. Every Thursday I send one practical lesson about "
    "retrieval systems, embeddings and the tooling around them.\n\n"
    "If a friend forwarded this issue, subscribe to get the next one, and reply to this email with the "
    "topics you want covered in the coming weeks."
)
TOPICS = ("sharding", "quantisation", "replication", "snapshots", "payload indexes")


def _body(topic: str) -> str:
    sentence = "Lesson {} on {} explains why {} changes latency and memory in a vector database."
    return " ".join(sentence.format(i, topic, topic) for i in range(24))


def _article_text(topic: str, footer: str = FOOTER) -> str:
    return f"# All about {topic}\n\n{_body(topic)}\n\n## Newsletter\n\n{footer}"


def _cleaned(text: str, author: uuid.UUID = AUTHOR_ID, name: str = AUTHOR) -> CleanedArticleDocument:
    return CleanedArticleDocument(
        content=text, platform="substack", author_id=author, author_full_name=name, link="https://example.com/a"
    )


def test_a_paragraph_in_enough_documents_of_one_author_is_boilerplate() -> None:
    documents = [_cleaned(_article_text(topic)) for topic in TOPICS[:4]]
    found = find_boilerplate(documents, min_documents=4)
    assert set(found) == {str(document.id) for document in documents}
    for document in documents:
        spans = found[str(document.id)]
        assert [document.content[start:end] for start, end in spans] == FOOTER.split("\n\n")
    # Three documents are not enough for a threshold of four; a heading repeated everywhere never counts.
    assert find_boilerplate(documents[:3], min_documents=4) == {}
    assert "## Newsletter" not in {d.content[a:b] for d in documents for a, b in found[str(d.id)]}


def test_one_article_published_twice_or_other_authors_do_not_make_boilerplate() -> None:
    same_article = [_cleaned(_article_text("sharding")) for _ in range(4)]  # same title: one article, four links
    assert find_boilerplate(same_article, min_documents=2) == {}
    mixed = [_cleaned(_article_text(topic)) for topic in TOPICS[:2]]
    mixed += [_cleaned(_article_text(topic), OTHER_AUTHOR_ID, OTHER_AUTHOR) for topic in TOPICS[2:4]]
    assert find_boilerplate(mixed, min_documents=3) == {}  # two documents per author, never three of one


def test_marking_changes_the_hash_only_when_there_is_boilerplate() -> None:
    document = _cleaned(_article_text("sharding"))
    document.fingerprint = "recipe"
    document.content_hash = content_hash(document.content, "recipe")
    assert with_boilerplate(document, []) is document
    spans = paragraph_spans(document.content)[-2:]
    marked = with_boilerplate(document, spans)
    assert marked.boilerplate_spans == spans and marked.content_hash != document.content_hash
    assert with_boilerplate(document, spans[:1]).content_hash != marked.content_hash
    assert boilerplate_share(spans, spans[0][0], spans[-1][1]) > 0.9
    assert boilerplate_share(spans, 0, spans[0][0]) == 0.0


def test_chunks_made_mostly_of_boilerplate_are_flagged_and_stay_exact_slices() -> None:
    documents = [_cleaned(_article_text(topic)) for topic in TOPICS[:4]]
    found = find_boilerplate(documents, min_documents=4)
    document = with_boilerplate(documents[0], found[str(documents[0].id)])
    chunks = ChunkingDispatcher.dispatch(document)
    assert len(chunks) >= 2
    flagged = [chunk for chunk in chunks if chunk.metadata.get("boilerplate")]
    assert len(flagged) == 1 and "Thanks for reading" in flagged[0].content
    assert all("Thanks for reading" not in chunk.content for chunk in chunks if chunk not in flagged)
    for chunk in chunks:
        assert chunk.content == document.content[chunk.metadata["char_start"] : chunk.metadata["char_end"]]
    assert not any(c.metadata.get("boilerplate") for c in ChunkingDispatcher.dispatch(documents[0]))


@pytest.fixture
def articles(stores: object) -> Iterator[list[ArticleDocument]]:
    from tests.feature.conftest import small_warehouse

    small_warehouse()
    yield [_article(topic) for topic in TOPICS[:3]]
    _forget_settings()  # after monkeypatch restored the environment


def _article(topic: str) -> ArticleDocument:
    article = ArticleDocument(
        content={"Content": _article_text(topic)},
        platform="substack",
        author_id=AUTHOR_ID,
        author_full_name=AUTHOR,
        link=f"https://example.com/{topic.replace(' ', '-')}",
    )
    article.save()
    return article


def test_pipeline_flags_boilerplate_incrementally_and_retrieval_can_skip_it(articles: list[ArticleDocument]) -> None:
    # Three newsletter issues share the footer: under the threshold of four, nothing is boilerplate.
    first = run_feature_pipeline()
    assert first["clean_documents"]["boilerplate"]["paragraphs_per_author"] == {}
    assert first["chunk_and_embed"]["boilerplate_chunks"] == 0

    # A fourth issue: the footer becomes boilerplate, so the three older issues are re-chunked too, once.
    _article(TOPICS[3])
    pending = check_feature_store()
    assert pending.counts["stale"] == 3 and pending.counts["missing"] == 1  # what the doctor sees before the run
    second = run_feature_pipeline()
    assert second["clean_documents"]["changed_or_new"] == 4 and second["clean_documents"]["skipped_unchanged"] == 3
    assert second["clean_documents"]["boilerplate"] == {
        "paragraphs_per_author": {AUTHOR: 2},
        "documents_with_boilerplate": 4,
        "paragraph_occurrences": 8,
    }
    assert second["chunk_and_embed"]["boilerplate_chunks"] == 4
    cleaned = {str(doc.id): doc for doc in CleanedArticleDocument.iter_all()}
    flagged = [chunk for chunk in EmbeddedArticleChunk.iter_all() if chunk.metadata.get("boilerplate")]
    assert len(flagged) == 4 and len({chunk.document_id for chunk in flagged}) == 4
    for chunk in flagged:
        text = cleaned[str(chunk.document_id)].content
        assert chunk.content == text[chunk.metadata["char_start"] : chunk.metadata["char_end"]]
    assert not any(doc.boilerplate_spans for doc in CleanedPostDocument.iter_all())  # another author, one post

    assert check_feature_store().ok
    third = run_feature_pipeline()  # nothing moved: nothing is redone
    assert third["clean_documents"]["skipped_unchanged"] == 7 and third["chunk_and_embed"]["embeddings"] == 0

    # The footer's own words find its chunks; skipping flagged chunks finds the issues' lessons instead.
    question = "Thanks for reading the newsletter: subscribe, and reply with the topics you want covered"
    kept = ContextRetriever(use_settings=False).search(question, k=3, author=AUTHOR)
    assert kept and kept[0].metadata.get("boilerplate")
    skipping = ContextRetriever(use_settings=False, options=RetrievalOptions(skip_boilerplate_chunks=True))
    skipped = skipping.search(question, k=3, author=AUTHOR)
    assert len(skipped) == 3 and not any(hit.metadata.get("boilerplate") for hit in skipped)


PROSE_AND_CODE = (DataCategory.ARTICLES, DataCategory.POSTS, DataCategory.REPOSITORIES)


def _fingerprints_with(monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> dict[DataCategory, str]:
    """Each category's chunking fingerprint with one setting changed (the environment is restored after)."""
    monkeypatch.setenv(variable, value)
    _forget_settings()
    try:
        return {category: chunking_fingerprint(category) for category in PROSE_AND_CODE}
    finally:
        monkeypatch.undo()
        _forget_settings()


def test_the_rule_is_part_of_the_prose_fingerprint(monkeypatch: pytest.MonkeyPatch) -> None:
    before = {category: chunking_fingerprint(category) for category in PROSE_AND_CODE}
    after = _fingerprints_with(monkeypatch, "BOILERPLATE_MIN_DOCUMENTS", "0")  # off
    assert after[DataCategory.ARTICLES] != before[DataCategory.ARTICLES]
    assert after[DataCategory.POSTS] != before[DataCategory.POSTS]
    assert after[DataCategory.REPOSITORIES] == before[DataCategory.REPOSITORIES]
    # The rule's index-text option: prose only, too.
    omitting = _fingerprints_with(monkeypatch, "BOILERPLATE_OUT_OF_INDEX", "true")
    assert omitting[DataCategory.ARTICLES] != before[DataCategory.ARTICLES]
    assert omitting[DataCategory.REPOSITORIES] == before[DataCategory.REPOSITORIES]


def test_boilerplate_left_out_of_the_index_text_only() -> None:
    text = "Real lesson text about shards.\n\nThanks for reading, subscribe now please.\n\nMore real lesson text here."
    spans = [(text.index("Thanks"), text.index("please.") + len("please."))]
    assert spans_within(spans, 10, len(text)) == [(spans[0][0] - 10, spans[0][1] - 10)]
    assert spans_within(spans, 0, 10) == []
    assert without_spans(text, spans) == "Real lesson text about shards.\n\nMore real lesson text here."
    assert index_omissions(spans, text, 0, len(text)) == spans
    # A chunk that is all boilerplate (or nearly) is indexed whole: a context line alone would be a worse vector.
    assert index_omissions(spans, text, spans[0][0], spans[0][1]) == []


def test_out_of_index_chunks_keep_exact_content_and_index_text_without_boilerplate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    documents = [_cleaned(_article_text(topic)) for topic in TOPICS[:4]]
    found = find_boilerplate(documents, min_documents=4)
    document = with_boilerplate(documents[0], found[str(documents[0].id)])
    monkeypatch.setenv("BOILERPLATE_OUT_OF_INDEX", "true")
    _forget_settings()
    try:
        chunks = ChunkingDispatcher.dispatch(document)
    finally:
        monkeypatch.undo()
        _forget_settings()
    omitting = [chunk for chunk in chunks if chunk.metadata.get("index_omit")]
    assert len(omitting) == 1 and "Thanks for reading" in omitting[0].content
    for chunk in chunks:
        assert chunk.content == document.content[chunk.metadata["char_start"] : chunk.metadata["char_end"]]
        indexed = chunk_index_text(chunk.content, chunk.metadata)
        assert "Thanks for reading" not in indexed and "subscribe" not in indexed
    assert "Lesson" in chunk_index_text(omitting[0].content, omitting[0].metadata)  # the lesson text stays


def test_leaving_boilerplate_out_of_the_index_re_embeds_prose_once(
    articles: list[ArticleDocument], monkeypatch: pytest.MonkeyPatch
) -> None:
    _article(TOPICS[3])  # four issues: the footer is boilerplate
    first = run_feature_pipeline()
    assert first["chunk_and_embed"]["boilerplate_chunks"] == 4
    assert not any(chunk.metadata.get("index_omit") for chunk in EmbeddedArticleChunk.iter_all())
    footer_question = "Thanks for reading the newsletter: subscribe, and reply with the topics you want covered"
    before = ContextRetriever(use_settings=False).retrieve(footer_question, k=1, author=AUTHOR).best_dense_score

    monkeypatch.setenv("BOILERPLATE_OUT_OF_INDEX", "true")
    _forget_settings()
    second = run_feature_pipeline()  # the prose fingerprint changed: articles and the post are redone, once
    assert second["clean_documents"]["changed_or_new"] == 6 and second["clean_documents"]["skipped_unchanged"] == 1
    chunks = list(EmbeddedArticleChunk.iter_all(with_vectors=True))
    omitting = [chunk for chunk in chunks if chunk.metadata.get("index_omit")]
    assert len(omitting) == 4 and all(chunk.metadata.get("boilerplate") for chunk in omitting)
    for chunk in omitting:  # the stored sparse vector is the index text's, which has no footer term
        assert (
            chunk.sparse_embedding.indices
            == bm25_document_vector(chunk_index_text(chunk.content, chunk.metadata)).indices
        )
    assert run_feature_pipeline()["chunk_and_embed"]["embeddings"] == 0
    # The footer's words no longer pull its chunks close: their vectors hold the lessons' text only.
    after = ContextRetriever(use_settings=False).retrieve(footer_question, k=1, author=AUTHOR).best_dense_score
    assert after < before
