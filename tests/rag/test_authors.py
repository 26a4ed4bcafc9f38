"""The one author resolver against the real warehouse: accents, case, last names, unknown names, users
without documents, case-insensitive uniqueness."""

from __future__ import annotations

import uuid

import pytest

from llm_engineering.application.rag.authors import (
    AuthorDirectory,
    KnownAuthor,
    UnknownAuthor,
    fold,
    get_or_create_user,
    without_name,
)
from llm_engineering.domain.documents import ArticleDocument, UserDocument


def author(first_name: str, last_name: str) -> UserDocument:
    """A user with one article: only users with documents are known authors."""
    user = UserDocument(first_name=first_name, last_name=last_name).save()
    ArticleDocument(
        content={"Content": "text"},
        platform="blog",
        author_id=user.id,
        author_full_name=user.full_name,
        link=f"https://blog.example/{uuid.uuid4()}",
    ).save()
    return user


@pytest.fixture
def directory(mongo_db: str) -> AuthorDirectory:
    author("José", "Núñez")
    author("Ana", "Müller")
    author("Maxime", "Labonne")
    return AuthorDirectory(ttl_s=0)


def test_fold_drops_case_and_accents() -> None:
    assert fold("  JOSÉ   Núñez!") == "jose nunez"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("What did José Núñez write about graphs?", "José Núñez"),
        ("what did jose nunez write about graphs", "José Núñez"),
        ("Articles by NÚÑEZ on attention", "José Núñez"),
        ("what did Muller write on quantization", "Ana Müller"),
        ("Labonne's take on model merging", "Maxime Labonne"),
        ("according to Labonne, merging works", "Maxime Labonne"),
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
        "labonne's take on model merging",  # a last name alone must be written as a name: capitalised
        "Labonne merging of models",  # capitalised but no name context
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
    author("Zoé", "Labonne")
    match = directory.match("what does Labonne think")
    assert match.author is None and "last name of Maxime Labonne and Zoé Labonne" in match.reason
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


@pytest.mark.parametrize("query", ["How do Bloom filters trade memory for false positives?", "Rust ownership rules"])
def test_a_topic_that_is_also_a_last_name_is_not_a_filter(mongo_db: str, query: str) -> None:
    author("Burton", "Bloom")
    author("Ferris", "Rust")
    match = AuthorDirectory(ttl_s=0).match(query)
    assert match.author is None
    assert "not written as a name" in match.reason and "no author filter" in match.reason
    assert AuthorDirectory(ttl_s=0).detect("what did Bloom write about hashing").full_name == "Burton Bloom"
    assert AuthorDirectory(ttl_s=0).detect("posts by Rust").full_name == "Ferris Rust"


def test_users_without_documents_are_not_known_authors(mongo_db: str) -> None:
    author("Ada", "Quill")
    UserDocument(first_name="Grace", last_name="Idle").save()  # renamed away or never crawled: no documents
    directory = AuthorDirectory(ttl_s=0)
    assert [a.full_name for a in directory.authors()] == ["Ada Quill"]
    assert directory.detect("what did Grace Idle write") is None
    with pytest.raises(UnknownAuthor, match=r"known authors: Ada Quill\)"):
        directory.resolve("Grace Idle")


def test_users_are_unique_ignoring_case(mongo_db: str) -> None:
    first = get_or_create_user("Ada Quill")
    assert get_or_create_user("ada  quill").id == first.id
    assert get_or_create_user("ADA QUILL").id == first.id
    assert [user.full_name for user in UserDocument.bulk_find()] == ["Ada Quill"]
    from llm_engineering.domain.base.nosql import DuplicateDocument

    with pytest.raises(DuplicateDocument):  # the database itself refuses a second spelling
        UserDocument(first_name="ada", last_name="QUILL").save()
