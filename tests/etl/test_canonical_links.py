"""One link, one document: spellings of a link canonicalise to one identity, across runs and with --refresh."""

from __future__ import annotations

import pytest

from llm_engineering.application.crawlers import CrawlerDispatcher, Outcome, crawl_links, parse_link, validate_links
from llm_engineering.application.crawlers.canonical import canonical_link, link_identity
from llm_engineering.application.crawlers.ingest import RetryPolicy
from llm_engineering.domain.documents import ArticleDocument, RepositoryDocument, UserDocument
from tests.etl.conftest import LocalRepo, LocalWeb

FAST_RETRY = RetryPolicy(attempts=1)


def _identity(url: str, repository: bool = False) -> str:
    return link_identity(canonical_link(url, repository=repository))


@pytest.mark.parametrize(
    "variants",
    [
        [
            "https://github.com/mlabonne/llm-course",
            "https://github.com/mlabonne/llm-course/",
            "https://github.com/mlabonne/llm-course.git",
            "http://www.github.com/mlabonne/llm-course",
            "HTTPS://GitHub.com:443/mlabonne/llm-course.git/",
        ],
    ],
)
def test_repository_spellings_are_one_repository(variants: list[str]) -> None:
    assert {_identity(url, repository=True) for url in variants} == {"github.com/mlabonne/llm-course"}
    assert canonical_link(variants[0], repository=True) == "https://github.com/mlabonne/llm-course"


def test_article_spellings_are_one_article_and_different_articles_stay_apart() -> None:
    variants = [
        "https://medium.com/@u/post-1a2b",
        "https://medium.com/@u/post-1a2b?source=rss----abc",
        "https://medium.com/@u/post-1a2b?sk=0123456789abcdef",  # a friend link
        "https://www.medium.com/@u/post-1a2b/#responses",
        "https://MEDIUM.com:443/@u/post-1a2b?utm_source=newsletter&utm_medium=email&ref=home",
    ]
    assert {canonical_link(url) for url in variants} == {"https://medium.com/@u/post-1a2b"}
    assert canonical_link("https://decodingml.substack.com/p/x?r=1ttoeh&utm_campaign=y") == (
        "https://decodingml.substack.com/p/x"
    )
    # A query that names the page is part of it; so is the path.
    assert canonical_link("https://blog.example.org/?p=12") != canonical_link("https://blog.example.org/?p=13")
    assert canonical_link("https://blog.example.org/b/?page=2&a=1") == "https://blog.example.org/b?a=1&page=2"
    assert canonical_link("https://medium.com/@u/other") != canonical_link("https://medium.com/@u/post-1a2b")


@pytest.fixture
def user(mongo_db: str) -> UserDocument:
    return UserDocument.get_or_create(first_name="Ada", last_name="Quill")


def _run(links: list[str], user: UserDocument, hosts: dict, refresh: bool = False):
    with CrawlerDispatcher(hosts) as dispatcher:
        return crawl_links(validate_links(links), user, dispatcher, refresh=refresh, retry=FAST_RETRY, progress=False)


def test_duplicate_link_variants_make_one_document_across_runs_and_refresh(
    local_web: LocalWeb, local_repo: LocalRepo, user: UserDocument
) -> None:
    article = local_web.article_url("rust-ownership")
    article_variants = [
        article,
        f"{article}?utm_source=newsletter&source=rss",
        article.replace("http://", "HTTP://") + "#comments",
        f"{article}?sk=friend-link-key&r=1ttoeh",
    ]
    repo_variants = [local_repo.url, local_repo.url.removesuffix(".git"), local_repo.url + "/"]
    first = _run(article_variants + repo_variants, user, local_web.crawler_hosts())
    outcomes = [r.outcome for r in first.results]
    assert outcomes == [Outcome.SAVED] + [Outcome.ALREADY_PRESENT] * 3 + [Outcome.SAVED] + [Outcome.ALREADY_PRESENT] * 2
    assert len({r.document_id for r in first.results[:4]}) == 1 and len({r.document_id for r in first.results[4:]}) == 1
    stored = ArticleDocument.find(_id=first.results[0].document_id)
    assert stored is not None and stored.link == canonical_link(article)  # the canonical spelling is stored
    assert RepositoryDocument.find(_id=first.results[4].document_id).link == local_repo.url.removesuffix(".git")

    fetchable = article_variants + [local_repo.url]  # these spellings the loopback servers answer
    refreshed = _run(fetchable, user, local_web.crawler_hosts(), refresh=True)
    assert [r.outcome for r in refreshed.results] == [Outcome.REFRESHED] * 5, [r.reason for r in refreshed.results]
    assert {r.document_id for r in refreshed.results[:4]} == {first.results[0].document_id}
    assert ArticleDocument.estimated_count() == 1 and RepositoryDocument.estimated_count() == 1


def test_a_stored_link_in_another_spelling_is_matched_and_kept_as_written(
    local_web: LocalWeb, user: UserDocument
) -> None:
    """A backup's links keep their spelling on import; the already-present check compares canonical forms."""
    article = local_web.article_url("bm25-ranking")
    as_imported = f"{article}?source=rss-feed"
    ArticleDocument(
        link=as_imported, platform="medium", content={"Content": "old copy " * 20}, author_id=user.id,
        author_full_name=user.full_name,
    ).save()  # fmt: skip
    result = _run([article], user, local_web.crawler_hosts()).results[0]
    assert result.outcome is Outcome.ALREADY_PRESENT
    assert ArticleDocument.find(_id=result.document_id).link == as_imported
    assert parse_link(as_imported).canonical() == canonical_link(article)
