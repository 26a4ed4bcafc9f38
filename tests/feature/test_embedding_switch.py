"""Switching the embedding backend or quantisation re-embeds every chunk exactly once."""

from __future__ import annotations

import pytest

from llm_engineering.application.networks.embeddings import reset_embedding_model
from llm_engineering.application.preprocessing.feature_service import chunk_and_embed, clean_documents, load_stream
from llm_engineering.settings import reset_settings


def _run() -> int:
    """One feature run without ZenML (same stages, same order); returns the number of chunks embedded."""
    cleaned, _ = clean_documents(None)
    embedded, counts, _ = chunk_and_embed(cleaned)
    load_stream(embedded)
    load_stream(cleaned)  # the cleaned documents' hashes commit the run, after their chunks
    return counts.total("embeddings")


def _use(monkeypatch: pytest.MonkeyPatch, backend: str, quantization: str) -> None:
    monkeypatch.setenv("EMBEDDING_BACKEND", backend)
    monkeypatch.setenv("EMBEDDING_QUANTIZATION", quantization)
    reset_settings()
    reset_embedding_model()


def test_switching_backend_or_quantization_re_embeds_once(warehouse: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    try:
        _use(monkeypatch, "onnx", "int8")
        chunks = _run()
        assert chunks > 0 and _run() == 0
        _use(monkeypatch, "onnx", "fp32")
        assert _run() == chunks and _run() == 0
        _use(monkeypatch, "torch", "fp32")
        assert _run() == chunks and _run() == 0
    finally:
        monkeypatch.delenv("EMBEDDING_BACKEND")
        monkeypatch.delenv("EMBEDDING_QUANTIZATION")
        reset_settings()
        reset_embedding_model()
