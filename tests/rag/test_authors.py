"""Self-query author detection against the real warehouse: accents, case, last names, unknown names."""

from __future__ import annotations

import pytest

from llm_engineering.application.rag.authors import AuthorDirectory, KnownAuthor, UnknownAuthor, fold, without_name
from llm_engineering.domain.documents import UserDocument


@pytest.fixture
def directory(mongo_db: str) -> AuthorDirectory:
    UserDocument(first_name="José", last_name="Núñez").save()
    UserDocument(first_name="Ana", last_name="Müller").save()
    UserDocument(first_name="Maxime", last_name="Labonne").save()
    return AuthorDirectory(ttl_s=0)


def test_fold_drops_case_and_accents() -> None:
    assert fold("  JOSÉ   Núñez!") == "jose nunez"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("What did José Núñez write about graphs?", "José Núñez"),
        ("what did jose nunez write about graphs", "José Núñez"),
        ("Articles by NÚÑEZ on attention", "José Núñez"),
        ("mueller? no: muller on quantization", "Ana Müller"),
        ("labonne's take on model merging", "Maxime Labonne"),
    ],
)
def test_detects_full_or_last_name_ignoring_case_and_accents(directory: AuthorDirectory, query, expected) -> None:
    found = directory.detect(query)
    assert found is not None and found.full_name == expected


@pytest.mark.parametrize(
    "query",
    [
        "What did Maxime Labone write?",  # misspelled
        "posts by John Smith",  # unknown person
        "Nunezz on graphs",  # no whole-word match
        "graph neural networks",  # no name at all
        "compare José Núñez and Ana Müller",  # two authors: filtering on one would hide the other
    ],
)
def test_unknown_or_ambiguous_names_filter_nothing(directory: AuthorDirectory, query: str) -> None:
    assert directory.detect(query) is None


def test_detection_never_creates_users(directory: AuthorDirectory) -> None:
    before = sorted(user.full_name for user in UserDocument.bulk_find())
    for query in ("What did Maxime Labone write?", "posts by John Smith", "Jane Doe on RAG"):
        directory.detect(query)
    with pytest.raises(UnknownAuthor):
        directory.resolve("John Smith")
    assert sorted(user.full_name for user in UserDocument.bulk_find()) == before


def test_explicit_name_resolves_by_full_or_last_name(directory: AuthorDirectory) -> None:
    assert directory.resolve("jose nunez").full_name == "José Núñez"
    assert directory.resolve("MÜLLER").full_name == "Ana Müller"
    with pytest.raises(UnknownAuthor, match="known authors: Ana Müller, José Núñez, Maxime Labonne"):
        directory.resolve("Paul Iusztin")


def test_shared_last_name_is_ambiguous(directory: AuthorDirectory) -> None:
    UserDocument(first_name="Zoé", last_name="Labonne").save()
    assert directory.detect("what does labonne think") is None
    assert directory.detect("what does Zoe Labonne think").full_name == "Zoé Labonne"
    with pytest.raises(UnknownAuthor, match="ambiguous"):
        directory.resolve("Labonne")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("What did José Núñez write about graphs?", "What did write about graphs?"),
        ("NUNEZ's take on GNNs", "take on GNNs"),
        ("graphs by jose nunez", "graphs by"),
        ("Núñez", "Núñez"),  # nothing else left: keep the query
        ("Nunezz on graphs", "Nunezz on graphs"),
    ],
)
def test_a_detected_name_is_cut_from_the_search_text(query: str, expected: str) -> None:
    assert without_name(query, KnownAuthor("id", "José Núñez")) == expected
