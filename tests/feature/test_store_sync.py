"""The feature store stays true to the warehouse: deletions prune, renames re-attribute without a model call,
`--full-rebuild` rebuilds, and reconcile reads the store in pages. Real ZenML runs on the embedded stores."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from llm_engineering.application.preprocessing import feature_service
from llm_engineering.application.rag import ContextRetriever
from llm_engineering.application.rag.authors import AuthorDirectory, get_or_create_user
from llm_engineering.domain.base.vector import document_filter, ids_filter
from llm_engineering.domain.cleaned_documents import CleanedArticleDocument
from llm_engineering.domain.documents import ArticleDocument, RepositoryDocument
from llm_engineering.domain.embedded_chunks import EmbeddedArticleChunk, EmbeddedRepositoryChunk
from tests.feature.conftest import AUTHOR, AUTHOR_ID, run_feature_pipeline

FEATURE_CLASSES = (*feature_service.CLEANED_CLASSES.values(), *feature_service.EMBEDDED_CLASSES.values())


def add_articles(count: int) -> list[ArticleDocument]:
    articles = [
        ArticleDocument(
            content={"Title": f"Note {n}", "Content": f"Note {n} on consistent hashing ring number {n}. " * 3},
            platform="blog",
            author_id=AUTHOR_ID,
            author_full_name=AUTHOR,
            link=f"https://blog.example/notes/{n}",
        )
        for n in range(count)
    ]
    ArticleDocument.bulk_upsert(articles)
    return articles


def snapshot() -> dict[str, dict[str, Any]]:
    """Every point of every feature collection: id -> payload and vectors."""
    points: dict[str, dict[str, Any]] = {}
    for feature_class in FEATURE_CLASSES:
        for document in feature_class.iter_all(with_vectors=True):
            points[f"{feature_class.get_collection_name()}/{document.id}"] = document.model_dump(mode="json")
    return points


def test_deleted_documents_are_pruned_and_nothing_else_changes(warehouse: dict) -> None:
    articles = add_articles(5)
    run_feature_pipeline()
    before = snapshot()
    deleted = {str(article.id) for article in articles[:3]}
    deleted_chunks = sum(EmbeddedArticleChunk.count(document_filter(doc_id)) for doc_id in deleted)
    assert deleted_chunks >= 3
    for article in articles[:3]:
        ArticleDocument.delete(_id=article.id)

    metadata = run_feature_pipeline()

    reconciled = metadata["reconcile_feature_store"]
    assert reconciled["pruned_documents"] == 3 and reconciled["pruned_chunks"] == deleted_chunks
    assert metadata["chunk_and_embed"]["embeddings"] == 0 and metadata["clean_documents"]["unchanged"] == 5
    after = snapshot()
    gone = {key for key in before if key not in after}
    assert all(key.split("/")[1] in deleted or before[key].get("document_id") in deleted for key in gone)
    assert len(gone) == 3 + deleted_chunks
    assert {key: before[key] for key in after} == after  # every other point untouched, vectors included

    from tools.run import feature_summary

    assert feature_summary(metadata) == (
        f"Feature store: 3 documents pruned ({deleted_chunks} chunks), 0 re-attributed, 0 re-embedded, 0 new, "
        "5 unchanged; 0 chunks embedded."
    )


def test_recrawl_after_wiping_the_warehouse_is_not_retrievable_twice(warehouse: dict) -> None:
    run_feature_pipeline()
    article = warehouse["article"]
    ArticleDocument.delete(_id=article.id)
    recrawled = article.model_copy(update={"id": uuid.uuid4()})
    recrawled.save()  # same link, new id: what a crawl into a wiped warehouse gives
    run_feature_pipeline()
    stored = [doc.link for doc in CleanedArticleDocument.iter_all()]
    assert stored == [article.link]
    assert {str(chunk.document_id) for chunk in EmbeddedArticleChunk.iter_all()} == {str(recrawled.id)}


def test_renamed_author_is_reattributed_without_reembedding(warehouse: dict) -> None:
    run_feature_pipeline()
    vectors_before = {str(c.id): c.embedding for c in EmbeddedArticleChunk.iter_all(with_vectors=True)}
    # The ETL under a corrected name: a new user, and --refresh re-attributes the same documents to it.
    renamed = get_or_create_user("Ada King")
    for document_class in (ArticleDocument, RepositoryDocument):
        for document in document_class.bulk_find(author_id=AUTHOR_ID):
            document.author_id, document.author_full_name = renamed.id, renamed.full_name
            document.save()

    metadata = run_feature_pipeline()

    assert metadata["clean_documents"]["re_attributed"] == 2 and metadata["clean_documents"]["re_embedded"] == 0
    assert metadata["chunk_and_embed"]["chunks"] == 0 and metadata["chunk_and_embed"]["embeddings"] == 0
    chunks = list(EmbeddedArticleChunk.iter_all(with_vectors=True)) + list(EmbeddedRepositoryChunk.iter_all())
    assert chunks and {(str(c.author_id), c.author_full_name) for c in chunks} == {(str(renamed.id), "Ada King")}
    assert {str(c.id): c.embedding for c in chunks if isinstance(c, EmbeddedArticleChunk)} == vectors_before
    assert {doc.author_full_name for doc in CleanedArticleDocument.iter_all()} == {"Ada King"}

    result = ContextRetriever(use_settings=False).retrieve("how do chunks overlap", k=3, author="Ada King")
    assert result.hits and {hit.author_full_name for hit in result.hits} == {"Ada King"}
    assert "Ada Lovelace" not in {a.full_name for a in AuthorDirectory(ttl_s=0).authors()}  # no documents left


def test_link_and_platform_changes_reach_every_chunk(warehouse: dict) -> None:
    run_feature_pipeline()
    article = warehouse["article"]
    article.link, article.platform = "https://example.com/moved", "medium"
    article.save()
    metadata = run_feature_pipeline()
    assert metadata["clean_documents"]["re_attributed"] == 1 and metadata["chunk_and_embed"]["embeddings"] == 0
    chunks = list(EmbeddedArticleChunk.iter_all())
    assert chunks and {(c.link, c.platform) for c in chunks} == {("https://example.com/moved", "medium")}


def test_full_rebuild_drops_and_rebuilds_everything(warehouse: dict) -> None:
    first = run_feature_pipeline()
    points = len(snapshot())
    rebuilt = run_feature_pipeline(full_rebuild=True)
    assert sorted(rebuilt["reconcile_feature_store"]["dropped_collections"]) == sorted(
        cls.get_collection_name() for cls in FEATURE_CLASSES
    )
    assert rebuilt["clean_documents"]["new"] == 3
    assert rebuilt["chunk_and_embed"]["embeddings"] == first["chunk_and_embed"]["embeddings"]
    assert len(snapshot()) == points


def test_reconcile_streams_ids_in_pages(stores: tuple[str, Path]) -> None:
    from tests.feature.conftest import small_warehouse

    small_warehouse()
    articles = add_articles(7)
    run_feature_pipeline()
    assert len(list(CleanedArticleDocument.iter_ids(page_size=3))) == 8  # read 3 at a time
    for article in articles[1::2]:
        ArticleDocument.delete(_id=article.id)
    assert feature_service.reconcile(page_size=3)["pruned_documents"] == 3
    assert CleanedArticleDocument.count() == 5
    assert feature_service.reconcile(page_size=3) == {"pruned_documents": 0, "pruned_chunks": 0}


def test_chunks_without_a_cleaned_document_are_pruned_when_their_raw_document_is_gone(warehouse: dict) -> None:
    """A run interrupted between loading chunks and their cleaned document, then the document deleted."""
    run_feature_pipeline()
    article = warehouse["article"]
    CleanedArticleDocument.delete(ids_filter([article.id]))
    ArticleDocument.delete(_id=article.id)
    assert EmbeddedArticleChunk.count() > 0
    pruned = feature_service.reconcile()
    assert pruned["pruned_documents"] == 0 and pruned["pruned_chunks"] > 0
    assert EmbeddedArticleChunk.count() == 0


def test_differently_tuned_weights_under_the_same_path_reembed_everything(
    warehouse: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same folder name, same path, one weight nudged: a fine-tuned copy must never keep the old vectors."""
    import shutil

    import torch
    from safetensors.torch import load_file, save_file

    from llm_engineering.application.networks import embeddings
    from llm_engineering.application.preprocessing.dispatchers import ChunkingHandlerFactory
    from llm_engineering.settings import get_settings, reset_settings

    model_dir = tmp_path / "all-MiniLM-L6-v2"
    shutil.copytree(get_settings().embedding_model_path(), model_dir)

    def use_model() -> None:
        monkeypatch.setenv("TEXT_EMBEDDING_MODEL_PATH", str(model_dir))
        reset_settings()
        monkeypatch.setattr(embeddings, "_instance", None)
        ChunkingHandlerFactory.create_handler.cache_clear()

    use_model()
    first = run_feature_pipeline()
    vectors_before = {str(c.id): c.embedding for c in EmbeddedArticleChunk.iter_all(with_vectors=True)}

    weights = load_file(model_dir / "model.safetensors")
    name = next(key for key in weights if key.endswith("word_embeddings.weight"))
    weights[name] = weights[name] + 0.05 * torch.randn_like(weights[name])
    save_file(weights, model_dir / "model.safetensors", metadata={"format": "pt"})
    use_model()
    second = run_feature_pipeline()

    assert second["clean_documents"]["re_embedded"] == 3 and second["clean_documents"]["unchanged"] == 0
    assert second["chunk_and_embed"]["embeddings"] == first["chunk_and_embed"]["embeddings"]
    vectors_after = {str(c.id): c.embedding for c in EmbeddedArticleChunk.iter_all(with_vectors=True)}
    assert vectors_after.keys() == vectors_before.keys() and vectors_after != vectors_before
    monkeypatch.setattr(embeddings, "_instance", None)
    ChunkingHandlerFactory.create_handler.cache_clear()
