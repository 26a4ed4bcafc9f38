"""Tokenized once: the ids the chunker hands on are exactly what the encoder would have made of the index text,
and the ONNX encoder feeds the model the same arrays (so the same vectors) whether it gets them or tokenizes."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import numpy as np
import pytest

from llm_engineering.application.networks.embeddings import get_embedding_model
from llm_engineering.application.networks.onnx_export import INPUT_NAMES
from llm_engineering.application.networks.token_ids import joins_at_whitespace
from llm_engineering.application.preprocessing.chunking_data_handlers import ArticleChunkingHandler, chunk_index_text
from llm_engineering.application.preprocessing.dispatchers import ChunkingDispatcher, CleaningDispatcher
from llm_engineering.domain.chunks import Chunk
from llm_engineering.domain.cleaned_documents import CleanedArticleDocument
from llm_engineering.domain.documents import ArticleDocument

AUTHOR_ID = uuid.UUID("11111111-2222-4333-8444-555555555555")
# Accents (stripped by the normaliser), CJK (split per character), punctuation, markdown, and a heading path
# longer than the context's token budget (cut at a word).
TEXT = "\n\n".join(
    [
        "# Résumé of naïve café-style quantization: GPTQ, AWQ & friends",
        "## Überblick — 中文标题 " + "with a very long heading that goes on and on " * 6,
        "Intro: weights are *rounded*, e.g. 4-bit (int4); scales [per-channel] matter! " * 12,
        "### Cholesky reformulation\n\n" + "The Hessian's inverse is updated row by row… ≈ O(d³). " * 20,
        "```python\nresult = compute(alpha_1, beta[2])  # step 3\n```",
        "日本語の文章もここにあります。" * 30,
    ]
)


def _article(text: str) -> CleanedArticleDocument:
    return CleanedArticleDocument(
        id=uuid.uuid4(),
        content=text,
        platform="test",
        author_id=AUTHOR_ID,
        author_full_name="Ada Lovelace",
        link="https://example.com",
    )


def _assert_ids_are_the_index_texts(chunks: list[Chunk]) -> int:
    tokenizer = get_embedding_model().tokenizer
    texts = [chunk_index_text(chunk.content, chunk.metadata) for chunk in chunks]
    expected = tokenizer(texts, add_special_tokens=True, verbose=False)["input_ids"]
    for chunk, ids in zip(chunks, expected, strict=True):
        assert chunk.index_token_ids == ids, chunk.chunk_index
    return len(chunks)


def test_the_models_tokenizer_joins_at_whitespace() -> None:
    assert joins_at_whitespace(get_embedding_model().tokenizer)


def test_chunk_token_ids_are_those_of_the_index_text() -> None:
    chunks = ArticleChunkingHandler().chunk(_article(TEXT))
    assert len(chunks) > 3 and any("context" in chunk.metadata for chunk in chunks)
    assert _assert_ids_are_the_index_texts(chunks) == len(chunks)


def test_handbook_chunks_token_ids_are_those_of_the_index_text(shared_corpus: Path) -> None:
    raw = json.loads((shared_corpus / "ArticleDocument.json").read_text())
    chunks = [
        chunk
        for item in raw
        for chunk in ChunkingDispatcher.dispatch(CleaningDispatcher.dispatch(ArticleDocument.from_mongo(item)))
    ]
    assert _assert_ids_are_the_index_texts(chunks) > 1000


class _RecordingSession:
    """The real ONNX session, keeping a copy of every feed it runs."""

    def __init__(self, session: object) -> None:
        self.session, self.feeds = session, []

    def run(self, outputs: object, feed: dict[str, np.ndarray]) -> list[np.ndarray]:
        self.feeds.append({name: array.copy() for name, array in feed.items()})
        return self.session.run(outputs, feed)


def test_the_onnx_encoder_feeds_what_the_tokenizer_pads_with_or_without_given_ids() -> None:
    model = get_embedding_model()
    if model.backend != "onnx":
        pytest.skip("the torch backend tokenizes itself")
    chunks = ArticleChunkingHandler().chunk(_article(TEXT))
    # Texts of other lengths than the chunks', one over the model's 256 tokens (truncated), one without ids.
    texts = [chunk_index_text(chunk.content, chunk.metadata) for chunk in chunks] + ["GPTQ " * 400, "x"]
    ids = [chunk.index_token_ids for chunk in chunks] + [
        model.tokenizer("GPTQ " * 400, add_special_tokens=True, verbose=False)["input_ids"],
        None,
    ]
    encoder = model.encoder
    recording = _RecordingSession(encoder.session)
    encoder.session = recording
    try:
        given = model.embed(texts, batch_size=3, token_ids=ids)
        tokenized = model.embed(texts, batch_size=3)
    finally:
        encoder.session = recording.session
    assert np.array_equal(given, tokenized)
    half = len(recording.feeds) // 2
    token_counts = [len(model.tokenizer(text, truncation=True, max_length=256)["input_ids"]) for text in texts]
    in_order = [texts[i] for i in sorted(range(len(texts)), key=lambda i: token_counts[i], reverse=True)]
    for start, feed, again in zip(range(0, len(texts), 3), recording.feeds[:half], recording.feeds[half:], strict=True):
        padded = model.tokenizer(
            in_order[start : start + 3], padding=True, truncation=True, max_length=256, return_tensors="np"
        )
        for name in feed:
            assert name in INPUT_NAMES
            assert np.array_equal(feed[name], padded[name]) and np.array_equal(again[name], padded[name]), name
