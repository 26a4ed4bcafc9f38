"""Sentence embeddings with sentence-transformers on torch (CPU or GPU): the reference backend."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from loguru import logger


class TorchEncoder:
    def __init__(self, model_path: Path, device: str, max_tokens: int, threads: int) -> None:
        import torch
        from sentence_transformers import SentenceTransformer

        if device == "cpu":
            torch.set_num_threads(threads)
        logger.info(f"Loading embedding model from {model_path} on {device} (torch)")
        self.model = SentenceTransformer(str(model_path), device=device, local_files_only=True)
        self.model.max_seq_length = max_tokens
        self.model.eval()

    def encode(
        self, texts: list[str], batch_size: int, token_ids: Sequence[Sequence[int] | None] | None = None
    ) -> np.ndarray:
        # sentence-transformers tokenizes itself: token ids from the chunker are not used here.
        return self.model.encode(
            texts, batch_size=batch_size, convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False
        )
