"""Sentence embeddings with ONNX Runtime on CPU: the exported transformer, then mean pooling and L2
normalisation exactly as sentence-transformers does them (mask-weighted mean, norm clamped at 1e-12)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from llm_engineering.application.networks.onnx_export import INPUT_NAMES

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase


class OnnxEncoder:
    def __init__(self, model_file: Path, tokenizer: PreTrainedTokenizerBase, max_tokens: int, threads: int) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])
        self.tokenizer = tokenizer
        self.max_tokens = max_tokens
        self._inputs = {i.name for i in self.session.get_inputs()}

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        # Batches of similar lengths pad less; rows go back to the caller's order at the end.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
        rows: list[np.ndarray] = []
        for start in range(0, len(order), batch_size):
            rows.append(self._encode_batch([texts[i] for i in order[start : start + batch_size]]))
        sorted_vectors = np.concatenate(rows)
        vectors = np.empty_like(sorted_vectors)
        vectors[order] = sorted_vectors
        return vectors

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        encoded = self.tokenizer(texts, padding=True, truncation=True, max_length=self.max_tokens, return_tensors="np")
        feed = {name: encoded[name].astype(np.int64) for name in INPUT_NAMES if name in self._inputs}
        hidden = self.session.run(None, feed)[0]
        mask = encoded["attention_mask"][..., None].astype(np.float32)
        pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        norms = np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return (pooled / norms).astype(np.float32)
