"""The embedding backends on the real packaged weights: ONNX Runtime (fp32, int8) against sentence-transformers."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from llm_engineering.application.networks import onnx_export
from llm_engineering.application.networks.embeddings import EmbeddingModel
from llm_engineering.application.networks.model_files import model_digest
from llm_engineering.application.networks.onnx_export import export_folder, onnx_model_file
from llm_engineering.domain.exceptions import ImproperlyConfigured
from llm_engineering.settings import get_settings

TEXTS = [
    "how does GPTQ quantize weights",
    "Qdrant stores dense and sparse vectors next to their payloads, and filters on payload fields.",
    # Longer than the model reads (256 tokens): every backend truncates at the same place.
    "Reciprocal rank fusion merges ranked lists. " * 60,
    "x",
]


def _model(backend: str, quantization: str = "fp32", threads: int = 2) -> EmbeddingModel:
    settings = get_settings()
    return EmbeddingModel(
        settings.embedding_model_path(),
        backend=backend,
        quantization=quantization,
        threads=threads,
        cache_dir=settings.embedding_cache_dir(),
    )


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    return _model("torch").embed(TEXTS, batch_size=3)


def test_onnx_fp32_matches_sentence_transformers(reference: np.ndarray) -> None:
    model = _model("onnx", "fp32")
    vectors = model.embed(TEXTS, batch_size=3)  # two batches, padded differently
    assert vectors.shape == (len(TEXTS), 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.min(np.sum(vectors * reference, axis=1)) > 0.9999
    assert model.count_tokens(TEXTS[2]) > model.max_input_length == 256


def test_onnx_int8_stays_close_to_fp32(reference: np.ndarray) -> None:
    vectors = _model("onnx", "int8").embed(TEXTS)
    cosines = np.sum(vectors * reference, axis=1)
    # The bench over the handbook's 1,626 chunks: mean 0.994, min 0.981; retrieval quality within 0.01.
    assert np.mean(cosines) > 0.99 and np.min(cosines) > 0.97, cosines


def test_threads_are_explicit() -> None:
    model = _model("onnx", "int8", threads=1)
    model.embed(["warm"])
    options = model.encoder.session.get_session_options()
    assert (options.intra_op_num_threads, options.inter_op_num_threads) == (1, 1)
    assert model.encoder.session.get_providers() == ["CPUExecutionProvider"]


def test_fingerprint_names_backend_quantization_and_weights(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fingerprints = {_model("torch").fingerprint, _model("onnx", "fp32").fingerprint, _model("onnx", "int8").fingerprint}
    assert len(fingerprints) == 3
    # A new int8 recipe (a new name) is a new fingerprint, so the next run re-embeds once; fp32's stays.
    fp32_before = _model("onnx", "fp32").fingerprint
    monkeypatch.setitem(onnx_export.RECIPES, "int8", "int8-another-recipe")
    int8_after = _model("onnx", "int8").fingerprint
    assert "int8-another-recipe" in int8_after and int8_after not in fingerprints
    assert _model("onnx", "fp32").fingerprint == fp32_before
    # The digest covers the files loaded, not the folder's name: same bytes elsewhere -> same digest.
    fake = tmp_path / "model"
    (fake / "1_Pooling").mkdir(parents=True)
    (fake / "config.json").write_text("{}")
    (fake / "1_Pooling" / "config.json").write_text('{"word_embedding_dimension": 8}')
    copy = tmp_path / "copy"
    shutil.copytree(fake, copy)
    assert model_digest(fake, tmp_path / "cache") == model_digest(copy, tmp_path / "cache")
    (copy / "config.json").write_text('{"changed": true}')
    assert model_digest(fake) != model_digest(copy, tmp_path / "cache")


def test_export_is_reused_across_homes() -> None:
    model = _model("onnx", "int8")
    model.embed(["warm"])
    exported = onnx_model_file(export_folder(model.cache_dir, model.digest), "int8")
    before = exported.stat().st_mtime_ns
    _model("onnx", "int8").embed(["again"])
    assert exported.stat().st_mtime_ns == before


def test_onnx_on_a_gpu_is_a_clear_error() -> None:
    with pytest.raises(ImproperlyConfigured, match="EMBEDDING_BACKEND=torch"):
        EmbeddingModel(get_settings().embedding_model_path(), device="cuda", backend="onnx")
