"""The MongoDB ODM against the real embedded server (pymongo over a loopback socket)."""

from __future__ import annotations

import threading
import uuid

import pytest

from llm_engineering.domain.base.nosql import DuplicateDocument
from llm_engineering.domain.documents import ArticleDocument, PostDocument, UserDocument


def make_article(author: UserDocument, n: int) -> ArticleDocument:
    return ArticleDocument(
        content={"Title": f"Title {n}", "Content": f"Body {n}"},
        platform="example.org",
        author_id=author.id,
        author_full_name=author.full_name,
        link=f"https://example.org/{n}",
    )


def test_round_trip_keeps_uuid_as_string_id(mongo_db: str) -> None:
    user = UserDocument(first_name="Ada", last_name="Lovelace").save()
    raw = UserDocument.collection().find_one({"_id": str(user.id)})
    assert raw == {"_id": str(user.id), "first_name": "Ada", "last_name": "Lovelace", "name_key": "ada lovelace"}
    found = UserDocument.find(first_name="Ada")
    assert found is not None
    assert found.id == user.id and isinstance(found.id, uuid.UUID)
    assert found.full_name == "Ada Lovelace"


def test_filter_by_uuid_object(mongo_db: str) -> None:
    user = UserDocument.get_or_create(first_name="Grace", last_name="Hopper")
    article = make_article(user, 1).save()
    found = ArticleDocument.find(author_id=user.id)
    assert found is not None and found.id == article.id and found.author_id == user.id


def test_get_or_create_returns_the_same_user(mongo_db: str) -> None:
    first = UserDocument.get_or_create(first_name="Paul", last_name="Iusztin")
    second = UserDocument.get_or_create(first_name="Paul", last_name="Iusztin")
    assert first.id == second.id
    assert UserDocument.collection().count_documents({}) == 1


def test_get_or_create_under_concurrency_creates_one(mongo_db: str) -> None:
    results: list[uuid.UUID] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def create() -> None:
        try:
            barrier.wait()
            results.append(UserDocument.get_or_create(first_name="Maxime", last_name="Labonne").id)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=create) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(results) == 8 and len(set(results)) == 1
    assert UserDocument.collection().count_documents({}) == 1


def test_bulk_insert_is_idempotent_and_loses_nothing(mongo_db: str) -> None:
    user = UserDocument.get_or_create(first_name="Ada", last_name="Lovelace")
    articles = [make_article(user, n) for n in range(10)]
    assert ArticleDocument.bulk_insert(articles[:6]) == 6
    # Re-inserting the first six plus four new ones: no error, the four new ones land.
    assert ArticleDocument.bulk_insert(articles) == 4
    assert ArticleDocument.bulk_insert(articles) == 0
    stored = {a.id for a in ArticleDocument.bulk_find()}
    assert stored == {a.id for a in articles}


def test_unique_link_blocks_a_second_document_for_the_same_link(mongo_db: str) -> None:
    user = UserDocument.get_or_create(first_name="Ada", last_name="Lovelace")
    make_article(user, 1).save()
    with pytest.raises(DuplicateDocument):
        make_article(user, 1).save()  # new id, same link
    assert ArticleDocument.collection().count_documents({}) == 1


def test_posts_without_link_do_not_clash(mongo_db: str) -> None:
    user = UserDocument.get_or_create(first_name="Ada", last_name="Lovelace")
    for n in range(3):
        PostDocument(content={"text": f"post {n}"}, platform="x", author_id=user.id, author_full_name="Ada").save()
    assert len(list(PostDocument.bulk_find())) == 3


def test_bulk_find_pages_over_many_pages_without_gaps(mongo_db: str) -> None:
    user = UserDocument.get_or_create(first_name="Ada", last_name="Lovelace")
    articles = [make_article(user, n) for n in range(1234)]
    assert ArticleDocument.bulk_insert(articles, batch_size=300) == 1234
    streamed = list(ArticleDocument.bulk_find(page_size=100))
    assert len(streamed) == 1234
    assert {a.id for a in streamed} == {a.id for a in articles}
    filtered = list(ArticleDocument.bulk_find(page_size=7, author_id=user.id, platform="example.org"))
    assert len(filtered) == 1234
    assert ArticleDocument.estimated_count() == 1234


def test_bulk_upsert_replaces_by_id(mongo_db: str) -> None:
    user = UserDocument.get_or_create(first_name="Ada", last_name="Lovelace")
    article = make_article(user, 1)
    assert ArticleDocument.bulk_upsert([article]) == (1, 0)
    article.content["Content"] = "changed"
    assert ArticleDocument.bulk_upsert([article]) == (0, 1)
    found = ArticleDocument.find(link=article.link)
    assert found is not None and found.content["Content"] == "changed"


def test_delete(mongo_db: str) -> None:
    user = UserDocument.get_or_create(first_name="Ada", last_name="Lovelace")
    ArticleDocument.bulk_insert(make_article(user, n) for n in range(5))
    assert ArticleDocument.delete(author_id=user.id) == 5
    assert ArticleDocument.find(author_id=user.id) is None


def test_indexes_and_collection_names(mongo_db: str) -> None:
    assert UserDocument.get_collection_name() == "users"
    assert ArticleDocument.get_collection_name() == "articles"
    ArticleDocument.ensure_indexes()
    indexes = ArticleDocument.collection().index_information()
    assert any(spec.get("unique") and spec["key"] == [("link", 1)] for spec in indexes.values())
