"""The BM25 sparse encoder shared by the feature pipeline and retrieval."""

from __future__ import annotations

from llm_engineering.application.networks.sparse import bm25_document_vector, bm25_query_vector, term_index, terms


def test_terms_keep_code_identifiers_and_fold_styles() -> None:
    assert terms("The C++ compiler and node.js in 𝗣𝘆𝘁𝗵𝗼𝗻3!") == ["c++", "compiler", "node.js", "python3"]


def test_indices_are_stable_and_sorted() -> None:
    vector = bm25_document_vector("qdrant stores vectors; qdrant filters payloads")
    assert vector.indices == sorted(vector.indices)
    assert term_index("qdrant") in vector.indices
    assert bm25_document_vector("qdrant stores vectors; qdrant filters payloads") == vector


def test_repeated_terms_saturate() -> None:
    vector = bm25_document_vector("rag " * 50)
    weight = dict(zip(vector.indices, vector.values, strict=True))[term_index("rag")]
    assert 1.0 < weight < 2.2  # (k1 + 1) is the ceiling of a saturated term frequency


def test_query_vector_weights_each_distinct_term_once() -> None:
    vector = bm25_query_vector("LoRA lora fine-tuning")
    assert sorted(vector.values) == [1.0, 1.0, 1.0]
    assert bm25_query_vector("the of and").indices == []
