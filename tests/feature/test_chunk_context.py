"""A chunk's context (title > heading path): what it says, and that it fits in the model's token budget."""

from __future__ import annotations

from llm_engineering.application.networks.embeddings import get_embedding_model
from llm_engineering.application.preprocessing.chunk_context import heading_path, heading_paths, truncate_to_tokens
from llm_engineering.application.preprocessing.chunking_data_handlers import (
    ArticleChunkingHandler,
    chunk_index_text,
)
from llm_engineering.domain.cleaned_documents import CleanedArticleDocument

TEXT = """# Graph neural networks

Intro paragraph.

## Message passing

Nodes send messages.

### Aggregation

# sum the neighbours  (a code comment, not a section)
Sum, mean or max.

## Pooling

Readout of the graph."""


def test_heading_path_follows_the_open_sections() -> None:
    assert heading_path(TEXT, TEXT.index("Intro")) == "Graph neural networks"
    assert heading_path(TEXT, TEXT.index("Sum, mean")) == "Graph neural networks > Message passing > Aggregation"
    assert heading_path(TEXT, TEXT.index("Readout")) == "Graph neural networks > Pooling"  # siblings replace
    assert heading_path(TEXT, TEXT.index("## Pooling")) == "Graph neural networks > Pooling"  # a chunk opening it
    assert heading_path(TEXT, 0) == "Graph neural networks"
    assert heading_path("No headings at all.", 10) == ""


def test_truncate_to_tokens_cuts_at_a_word() -> None:
    tokenizer = get_embedding_model().tokenizer
    text = "Quantization with GPTQ > Step 3: Cholesky reformulation"
    assert truncate_to_tokens(tokenizer, text, 100) == text
    cut = truncate_to_tokens(tokenizer, text, 4)
    assert text.startswith(cut) and cut and len(tokenizer(cut, add_special_tokens=False)["input_ids"]) <= 4
    assert truncate_to_tokens(tokenizer, text, 0) == ""


def test_contextual_chunks_stay_exact_slices_within_the_token_budget() -> None:
    body = "\n\n".join(f"## Part {n}\n\n" + "A sentence about attention layers and heads. " * 40 for n in range(4))
    document = CleanedArticleDocument(
        content=f"# A long article\n\n{body}",
        platform="test",
        author_id="6f1c2a7e-3d4b-4c8a-9e0f-1a2b3c4d5e6f",
        author_full_name="Test Author",
        link="https://example.org/a",
    )
    chunks = ArticleChunkingHandler().chunk(document)
    tokenizer = get_embedding_model().tokenizer
    assert len(chunks) > 4
    for chunk in chunks:
        start, end = chunk.metadata["char_start"], chunk.metadata["char_end"]
        assert chunk.content == document.content[start:end]
        assert chunk.metadata["context"].startswith("A long article")
        indexed = chunk_index_text(chunk.content, chunk.metadata)
        assert len(tokenizer(indexed)["input_ids"]) <= 256  # context and content, special tokens included
    assert any(" > Part 2" in chunk.metadata["context"] for chunk in chunks)


def test_heading_paths_read_once_match_heading_path_everywhere() -> None:
    positions = [*range(0, len(TEXT) + 3, 7), TEXT.index("## Pooling"), 0]
    assert heading_paths(TEXT, positions) == [heading_path(TEXT, position) for position in positions]
    assert heading_paths("No headings at all.", [3, 0]) == ["", ""]
    assert heading_paths(TEXT, []) == []
