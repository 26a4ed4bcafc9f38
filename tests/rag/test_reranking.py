"""The cross-encoder reranker through the real RERANKING_MODEL path, with a tiny model built locally."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from llm_engineering.application.networks.embeddings import get_embedding_model
from llm_engineering.application.rag import ContextRetriever
from llm_engineering.application.rag.reranking import get_reranker
from llm_engineering.domain.exceptions import ImproperlyConfigured
from llm_engineering.settings import reset_settings
from tests.rag.conftest import KnowledgeBase


@pytest.fixture(scope="module")
def tiny_cross_encoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer BERT sequence classifier (random weights) with the MiniLM tokenizer, saved like any CrossEncoder."""
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    path = tmp_path_factory.mktemp("tiny-cross-encoder")
    tokenizer = AutoTokenizer.from_pretrained(str(get_embedding_model().model_path), local_files_only=True)
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=512,
        num_labels=1,
    )
    torch.manual_seed(0)
    BertForSequenceClassification(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def test_reranker_is_off_by_default(knowledge_base: KnowledgeBase) -> None:
    assert get_reranker() is None
    assert ContextRetriever().retrieve("graph attention", k=2).reranked is False


def test_configured_cross_encoder_reranks(
    knowledge_base: KnowledgeBase, tiny_cross_encoder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RERANKING_MODEL", str(tiny_cross_encoder))
    reset_settings()
    reranker = get_reranker()
    assert reranker is not None and reranker is get_reranker()  # one per model per process

    result = ContextRetriever().retrieve("graph attention network", k=4)
    assert result.reranked and len(result.hits) == 4
    scores = [hit.score for hit in result.hits]
    assert scores == sorted(scores, reverse=True)
    # The scores are the cross-encoder's own: recompute them for the returned pairs.
    expected = reranker.model.predict([("graph attention network", hit.content) for hit in result.hits])
    assert scores == pytest.approx([float(value) for value in expected], abs=1e-5)

    plain = ContextRetriever().retrieve("graph attention network", k=4, rerank=False)
    assert plain.reranked is False


def test_unloadable_model_is_a_clear_error(stores, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("RERANKING_MODEL", str(tmp_path / "missing-model"))
    reset_settings()
    with pytest.raises(ImproperlyConfigured, match="cannot be loaded offline"):
        get_reranker().model  # noqa: B018 - loading is the point
