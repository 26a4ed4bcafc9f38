"""The BM25 sparse encoder shared by the feature pipeline and retrieval."""

from __future__ import annotations

import pytest

from llm_engineering.application.networks.sparse import (
    Bm25Recipe,
    bm25_document_vector,
    bm25_query_vector,
    current_recipe,
    term_index,
    terms,
)
from llm_engineering.settings import reset_settings


def test_terms_keep_code_identifiers_and_fold_styles() -> None:
    assert terms("The C++ compiler and node.js in 𝗣𝘆𝘁𝗵𝗼𝗻3!", Bm25Recipe()) == ["c++", "compiler", "node.js", "python3"]
    assert terms("The C++ compiler and node.js in 𝗣𝘆𝘁𝗵𝗼𝗻3!", STEM) == ["c++", "compil", "node.js", "python3"]


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


STEM = Bm25Recipe(stem=True)
IDENT = Bm25Recipe(split_identifiers=True)
BOTH = Bm25Recipe(stem=True, split_identifiers=True)


def test_v1_keeps_whole_words_and_names_itself() -> None:
    assert terms("Embeddings of loadModel", Bm25Recipe()) == ["embeddings", "loadmodel"]
    assert Bm25Recipe().name == "bm25-v1"
    assert {STEM.name, IDENT.name, BOTH.name} == {"bm25-v2:stem", "bm25-v2:ident", "bm25-v2:stem+ident"}


def test_stemming_folds_inflections_but_not_identifiers() -> None:
    assert terms("Embedding embeddings embedded", STEM) == ["embed", "embed", "embed"]
    assert terms("node.js python3 c++", STEM) == ["node.js", "python3", "c++"]
    assert bm25_query_vector("fine-tuned models", STEM) == bm25_query_vector("fine-tuning the model", STEM)


def test_identifiers_give_their_parts_next_to_the_whole() -> None:
    assert terms("loadModel snake_case node.js HTTPServer gpt4", IDENT) == [
        *["loadmodel", "load", "model", "snake_case", "snake", "case", "node.js", "node", "js"],
        *["httpserver", "http", "server", "gpt4", "gpt", "4"],
    ]
    assert terms("the_model", IDENT) == ["the_model", "model"]  # a stopword part is dropped, the whole stays
    document = bm25_document_vector("call load_model() before predict", IDENT)
    assert set(bm25_query_vector("load the model", IDENT).indices) <= set(document.indices)
    assert term_index("load_model") in document.indices  # an exact identifier query still matches


def test_both_options_stem_the_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    assert terms("getEmbeddings", BOTH) == ["getembed", "get", "embed"]
    monkeypatch.setenv("BM25_STEMMING", "true")
    monkeypatch.setenv("BM25_SPLIT_IDENTIFIERS", "true")
    reset_settings()
    try:
        assert current_recipe() == BOTH and terms("getEmbeddings") == terms("getEmbeddings", BOTH)
    finally:
        monkeypatch.undo()
        reset_settings()
