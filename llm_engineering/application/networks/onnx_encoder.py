"""Sentence embeddings with ONNX Runtime on CPU: the exported transformer, then mean pooling and L2
normalisation exactly as sentence-transformers does them (mask-weighted mean, norm clamped at 1e-12).

Token ids come from the caller where it has them (the chunker's, see token_ids.py); the other texts of a call
are tokenized together, in one call. Each batch is then padded exactly as the tokenizer pads one.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from llm_engineering.application.networks.onnx_export import INPUT_NAMES
from llm_engineering.application.networks.token_ids import truncated

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

    def encode(
        self, texts: list[str], batch_size: int, token_ids: Sequence[Sequence[int] | None] | None = None
    ) -> np.ndarray:
        ids = self._token_ids(texts, token_ids)
        # Batches of equal token counts pad least (sorting by characters left 16% padding on the handbook's
        # chunks, by tokens 1%); rows go back to the caller's order at the end.
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]), reverse=True)
        rows: list[np.ndarray] = []
        for start in range(0, len(order), batch_size):
            rows.append(self._encode_batch([ids[i] for i in order[start : start + batch_size]]))
        sorted_vectors = np.concatenate(rows)
        vectors = np.empty_like(sorted_vectors)
        vectors[order] = sorted_vectors
        return vectors

    def _token_ids(self, texts: list[str], known: Sequence[Sequence[int] | None] | None) -> list[list[int]]:
        """Every text's ids, truncated as the tokenizer truncates: the texts without known ids in one call."""
        ids: list[Sequence[int] | None] = list(known) if known is not None else [None] * len(texts)
        missing = [i for i, text_ids in enumerate(ids) if text_ids is None]
        if missing:
            encoded = self.tokenizer(
                [texts[i] for i in missing],
                truncation=True,
                max_length=self.max_tokens,
                return_attention_mask=False,
                return_token_type_ids=False,
                verbose=False,
            )["input_ids"]
            for i, text_ids in zip(missing, encoded, strict=True):
                ids[i] = text_ids
        return [truncated(text_ids, self.max_tokens) for text_ids in ids]

    def _encode_batch(self, batch: list[list[int]]) -> np.ndarray:
        # Padded as the tokenizer pads a batch (padding=True): to the longest, on the tokenizer's side.
        length = max(len(ids) for ids in batch)
        input_ids = np.full((len(batch), length), self.tokenizer.pad_token_id or 0, dtype=np.int64)
        attention_mask = np.zeros((len(batch), length), dtype=np.int64)
        for row, ids in enumerate(batch):
            columns = slice(length - len(ids), length) if self.tokenizer.padding_side == "left" else slice(0, len(ids))
            input_ids[row, columns] = ids
            attention_mask[row, columns] = 1
        inputs = {"input_ids": input_ids, "attention_mask": attention_mask, "token_type_ids": np.zeros_like(input_ids)}
        feed = {name: inputs[name] for name in INPUT_NAMES if name in self._inputs}
        hidden = self.session.run(None, feed)[0]
        mask = attention_mask[..., None].astype(np.float32)
        pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        norms = np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return (pooled / norms).astype(np.float32)
