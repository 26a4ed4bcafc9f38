"""Optional reranking with a sentence-transformers CrossEncoder (RERANKING_MODEL: a local path or id).

Off by default: no cross-encoder weights ship offline. The model loads once per process, lazily, with
local files only (nothing is downloaded at run time).
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING

from loguru import logger

from llm_engineering.domain.embedded_chunks import EmbeddedChunk
from llm_engineering.domain.exceptions import ImproperlyConfigured
from llm_engineering.settings import get_settings

if TYPE_CHECKING:
    from sentence_transformers import CrossEncoder


class Reranker:
    def __init__(self, model_name_or_path: str, device: str = "cpu") -> None:
        self.model_name_or_path = model_name_or_path
        self.device = device
        self._model: CrossEncoder | None = None
        self._lock = threading.Lock()

    @property
    def model(self) -> CrossEncoder:
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                from sentence_transformers import CrossEncoder

                logger.info(f"Loading cross-encoder reranker {self.model_name_or_path}")
                try:
                    self._model = CrossEncoder(self.model_name_or_path, device=self.device, local_files_only=True)
                except (OSError, ValueError) as error:
                    raise ImproperlyConfigured(
                        f"RERANKING_MODEL={self.model_name_or_path!r} cannot be loaded offline: {error}"
                    ) from None
            return self._model

    def rerank(self, query: str, hits: list[EmbeddedChunk]) -> list[EmbeddedChunk]:
        """The hits ordered by the cross-encoder's relevance, each `score` set to it."""
        if not hits:
            return []
        scores = self.model.predict([(query, hit.content) for hit in hits], show_progress_bar=False)
        for hit, score in zip(hits, scores, strict=True):
            hit.score = float(score)
        return sorted(hits, key=lambda hit: hit.score, reverse=True)


_instances: dict[str, Reranker] = {}
_instances_lock = threading.Lock()


def get_reranker() -> Reranker | None:
    """The configured reranker (one per model per process), or None when RERANKING_MODEL is unset."""
    settings = get_settings()
    name = settings.RERANKING_MODEL
    if not name:
        return None
    with _instances_lock:
        if name not in _instances:
            _instances[name] = Reranker(name, settings.EMBEDDING_DEVICE)
        return _instances[name]
