"""The feature pipeline end to end through ZenML on the embedded stores, incremental behaviour included."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from llm_engineering.application.networks.sparse import bm25_document_vector
from llm_engineering.application.preprocessing.chunking_data_handlers import chunk_id, chunk_index_text
from llm_engineering.application.preprocessing.feature_service import UnknownAuthor, resolve_authors
from llm_engineering.application.preprocessing.text_sketch import text_sketch
from llm_engineering.domain.base.vector import document_filter
from llm_engineering.domain.cleaned_documents import CleanedArticleDocument, CleanedRepositoryDocument
from llm_engineering.domain.documents import ArticleDocument, UserDocument
from llm_engineering.domain.embedded_chunks import EmbeddedArticleChunk, EmbeddedPostChunk, EmbeddedRepositoryChunk
from tests.feature.conftest import AUTHOR, run_feature_pipeline


def test_pipeline_loads_every_category_then_skips_unchanged_then_replaces_changed(warehouse: dict) -> None:
    first = run_feature_pipeline()
    assert first["chunk_and_embed"]["embeddings"] > 0
    assert first["clean_documents"]["documents"] == 3 and first["clean_documents"]["skipped_unchanged"] == 0

    article = warehouse["article"]
    chunks = list(EmbeddedArticleChunk.iter_all(with_vectors=True))
    assert len(chunks) == first["chunk_and_embed"]["per_category_and_author"]["articles"][AUTHOR]["chunks"] > 1
    for chunk in chunks:
        assert len(chunk.embedding) == 384 and chunk.sparse_embedding.indices
        assert chunk.text_sketch == text_sketch(chunk.content)  # stored for query-time near-duplicate merging
        assert chunk.id == chunk_id(article.id, chunk.chunk_index)
    assert len(list(EmbeddedPostChunk.iter_all())) == 1
    repo_chunks = list(EmbeddedRepositoryChunk.iter_all())
    assert repo_chunks and any("-> int" in chunk.content for chunk in repo_chunks)
    cleaned_repo = next(CleanedRepositoryDocument.iter_all())
    assert "Permission is hereby granted" not in cleaned_repo.content and "var a=1" not in cleaned_repo.content

    # Second run, nothing changed: nothing is re-chunked or re-embedded.
    second = run_feature_pipeline()
    assert second["clean_documents"]["skipped_unchanged"] == 3
    assert second["chunk_and_embed"]["embeddings"] == 0
    assert len(list(EmbeddedArticleChunk.iter_all())) == len(chunks)

    # The article shrinks: its old chunks go, only the new ones remain (no orphans), others untouched.
    article.content = {"Title": "Vectors", "Content": "Now a short article."}
    article.save()
    third = run_feature_pipeline()
    assert third["clean_documents"]["changed_or_new"] == 1 and third["chunk_and_embed"]["embeddings"] == 1
    remaining = list(EmbeddedArticleChunk.iter_all(query_filter=document_filter(article.id)))
    assert [chunk.chunk_index for chunk in remaining] == [0]
    assert "Now a short article." in remaining[0].content
    stored = next(CleanedArticleDocument.iter_all())
    assert stored.content_hash == remaining[0].metadata["content_hash"]
    assert len(list(EmbeddedPostChunk.iter_all())) == 1


@pytest.fixture
def forget_settings() -> Iterator[None]:
    yield
    _forget_settings()  # after monkeypatch restored the environment: the next reader sees the defaults


def test_a_new_chunk_text_recipe_re_embeds_exactly_once(
    forget_settings: None, warehouse: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = run_feature_pipeline()
    article = next(EmbeddedArticleChunk.iter_all())
    assert article.metadata["context"].startswith("Vectors")  # the title leads the chunk's context
    cleaned = next(CleanedArticleDocument.iter_all()).content
    assert article.content == cleaned[article.metadata["char_start"] : article.metadata["char_end"]]

    # Plain chunk text instead of contextual: the article's and the post's fingerprint changes, so they are
    # redone once; the repository (its chunks carry no context) is not.
    monkeypatch.setenv("CHUNK_CONTEXT_TOKENS", "0")
    _forget_settings()
    second = run_feature_pipeline()
    assert second["clean_documents"]["changed_or_new"] == 2 and second["clean_documents"]["skipped_unchanged"] == 1
    assert second["chunk_and_embed"]["documents"] == first["chunk_and_embed"]["documents"] - 1 == 2
    assert all("context" not in chunk.metadata for chunk in EmbeddedArticleChunk.iter_all())
    third = run_feature_pipeline()
    assert third["clean_documents"]["skipped_unchanged"] == 3 and third["chunk_and_embed"]["embeddings"] == 0

    # Another BM25 tokenisation: every category's sparse vectors change, so every document is redone once,
    # and the stored sparse vectors are what the query side's recipe makes of the chunk text.
    monkeypatch.setenv("BM25_STEMMING", "false")
    _forget_settings()
    fourth = run_feature_pipeline()
    assert fourth["clean_documents"]["changed_or_new"] == 3
    chunk = next(EmbeddedArticleChunk.iter_all(with_vectors=True))
    expected = bm25_document_vector(chunk_index_text(chunk.content, chunk.metadata))
    assert chunk.sparse_embedding.indices == expected.indices
    assert chunk.sparse_embedding.values == pytest.approx(expected.values, rel=1e-6)
    assert run_feature_pipeline()["chunk_and_embed"]["embeddings"] == 0


def _forget_settings() -> None:
    from llm_engineering.application.preprocessing.dispatchers import ChunkingHandlerFactory
    from llm_engineering.settings import get_settings

    get_settings.cache_clear()
    ChunkingHandlerFactory.create_handler.cache_clear()


def test_author_filter_and_unknown_author(warehouse: dict) -> None:
    metadata = run_feature_pipeline([AUTHOR])
    assert metadata["clean_documents"]["documents"] == 2  # the article and the repository, not the post
    assert not list(EmbeddedPostChunk.iter_all())
    users_before = UserDocument.estimated_count()
    with pytest.raises(UnknownAuthor) as error:
        resolve_authors(["Ada Lovelace", "Grace Hopper"])
    assert "Grace Hopper" in str(error.value) and "known authors: Ada Lovelace, Alan Turing" in str(error.value)
    with pytest.raises(RuntimeError, match="query_data_warehouse"):
        run_feature_pipeline(["Grace Hopper"])
    assert UserDocument.estimated_count() == users_before  # reading authors never creates one
    assert ArticleDocument.estimated_count() == 1
