"""Chunking with the real tokenizer: the token limit holds on adversarial text and nothing is lost."""

from __future__ import annotations

import uuid

import pytest

from llm_engineering.application.networks.embeddings import get_embedding_model
from llm_engineering.application.preprocessing.chunking_data_handlers import (
    ArticleChunkingHandler,
    RepositoryChunkingHandler,
    chunk_id,
)
from llm_engineering.domain.cleaned_documents import CleanedArticleDocument, CleanedRepositoryDocument

AUTHOR_ID = uuid.UUID("11111111-2222-4333-8444-555555555555")
LIMIT = 256

ADVERSARIAL = {
    "one_long_sentence": " ".join(f"word{i} and" for i in range(700))[:5000],
    "no_spaces_at_all": "abcdefghij" * 500,
    "wall_of_code": "\n".join(
        f"    result_{i} = compute(alpha_{i}, beta[{i}]) -> {{'k': {i}}}  # step {i}" for i in range(300)
    ),
    "cjk": "这是一个没有空格的很长的中文句子用于测试分块是否遵守词元限制" * 60
    + "。日本語の文章もここにあります。" * 40,
    "emoji_and_symbols": "launch 🚀 ✓ ✔ ★ ☆ ♥ ∑ ∞ ≈ " * 300,
    "markdown_sections": "\n\n".join(f"## Section {i}\n\n" + "A sentence here. " * 40 for i in range(8)),
    "one_char": "x",
}


def _article(text: str, document_id: uuid.UUID | None = None) -> CleanedArticleDocument:
    return CleanedArticleDocument(
        id=document_id or uuid.uuid4(),
        content=text,
        platform="test",
        author_id=AUTHOR_ID,
        author_full_name="Ada Lovelace",
        link="https://example.com",
    )


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_every_chunk_fits_with_special_tokens_and_covers_the_text(name: str) -> None:
    text = ADVERSARIAL[name]
    chunks = ArticleChunkingHandler().chunk(_article(text))
    model = get_embedding_model()
    covered = [False] * len(text)
    for chunk in chunks:
        assert model.count_tokens(chunk.content) <= LIMIT, (name, chunk.chunk_index)
        assert chunk.metadata["token_count"] == model.count_tokens(chunk.content)
        start, end = chunk.metadata["char_start"], chunk.metadata["char_end"]
        assert chunk.content == text[start:end]  # a slice of the cleaned text, never detokenized
        for position in range(start, end):
            covered[position] = True
    assert all(covered), f"{name}: {covered.count(False)} characters in no chunk"
    assert [c.chunk_index for c in chunks] == list(range(len(chunks)))
    if model.count_tokens(text) <= LIMIT:
        assert len(chunks) == 1


def test_long_text_is_split_at_structure_and_chunks_overlap() -> None:
    text = ADVERSARIAL["markdown_sections"]
    chunks = ArticleChunkingHandler().chunk(_article(text))
    assert len(chunks) > 2
    # Structure first: chunks begin at a heading when a section fits the budget.
    new_text = [text[c.metadata["new_text_start"] : c.metadata["char_end"]] for c in chunks]
    assert sum(piece.startswith("## Section") for piece in new_text) == 8
    assert any(c.metadata["char_start"] < p.metadata["char_end"] for p, c in zip(chunks, chunks[1:], strict=False))


def test_chunk_ids_are_stable_and_distinct_across_documents() -> None:
    text = ADVERSARIAL["one_long_sentence"]
    first_id, second_id = uuid.uuid4(), uuid.uuid4()
    run_one = ArticleChunkingHandler().chunk(_article(text, first_id))
    run_two = ArticleChunkingHandler().chunk(_article(text, first_id))
    other = ArticleChunkingHandler().chunk(_article(text, second_id))
    assert [c.id for c in run_one] == [c.id for c in run_two]
    assert [c.id for c in run_one] == [chunk_id(first_id, i) for i in range(len(run_one))]
    assert not {c.id for c in run_one} & {c.id for c in other}
    assert len({c.id for c in run_one}) == len(run_one)


def test_empty_document_gives_no_chunk() -> None:
    assert ArticleChunkingHandler().chunk(_article("")) == []
    assert ArticleChunkingHandler().chunk(_article("  \n\n ")) == []


def test_repository_splits_at_file_headers() -> None:
    body = "\n".join(f"int f{i}(int x) {{ return x * {i}; }}" for i in range(40))
    content = "\n\n".join(f"==> src/file{n}.cpp <==\n{body}" for n in range(3))
    document = CleanedRepositoryDocument(
        content=content, platform="github", author_id=AUTHOR_ID, author_full_name="Ada", name="r", link="l"
    )
    chunks = RepositoryChunkingHandler().chunk(document)
    assert all(get_embedding_model().count_tokens(c.content) <= LIMIT for c in chunks)
    new_text = [content[c.metadata["new_text_start"] :] for c in chunks]
    assert sum(piece.startswith("==> src/file") for piece in new_text) == 3
