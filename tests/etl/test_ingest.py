"""Crawling into the warehouse: saved, already present, refreshed, failed with a reason; retries; dedup."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from llm_engineering.application.crawlers import CrawlerDispatcher, Outcome, RetryPolicy, crawl_links, validate_links
from llm_engineering.application.crawlers.substack import SubstackCrawler
from llm_engineering.domain.documents import ArticleDocument, RepositoryDocument, UserDocument
from tests.etl.conftest import LocalRepo, LocalWeb
from tools.local_http import Route
from tools.sample_site import parse_article, render_substack

FAST_RETRY = RetryPolicy(attempts=3, initial_wait_s=0.05, max_wait_s=0.2)


@pytest.fixture
def user(mongo_db: str) -> UserDocument:
    return UserDocument.get_or_create(first_name="Ada", last_name="Quill")


def _run(links: list[str], user: UserDocument, hosts: dict, refresh: bool = False):
    with CrawlerDispatcher(hosts) as dispatcher:
        return crawl_links(validate_links(links), user, dispatcher, refresh=refresh, retry=FAST_RETRY, progress=False)


def test_links_are_saved_once_and_attributed(local_web: LocalWeb, local_repo: LocalRepo, user: UserDocument) -> None:
    links = [
        local_web.article_url("kubernetes-autoscaling"),
        local_web.article_url("postgres-mvcc-vacuum"),
        local_repo.url,
    ]
    first = _run(links, user, local_web.crawler_hosts())
    assert [r.outcome for r in first.results] == [Outcome.SAVED] * 3, [r.reason for r in first.results]
    assert [r.crawler for r in first.results] == ["substack", "custom", "github"]
    article = ArticleDocument.find(link=links[0])
    assert article is not None and article.author_id == user.id and article.author_full_name == "Ada Quill"
    assert article.content["Content"] == local_web.articles["kubernetes-autoscaling"].content
    repository = RepositoryDocument.find(link=local_repo.url.removesuffix(".git"))  # stored canonical
    assert repository is not None and repository.content == local_repo.files and repository.name == "sample-tool"

    second = _run(links, user, local_web.crawler_hosts())
    assert [r.outcome for r in second.results] == [Outcome.ALREADY_PRESENT] * 3
    assert second.count(Outcome.SAVED) == 0
    assert [r.document_id for r in second.results] == [r.document_id for r in first.results]
    assert len(list(ArticleDocument.bulk_find())) == 2 and len(list(RepositoryDocument.bulk_find())) == 1


def test_refresh_updates_the_same_document(local_web: LocalWeb, user: UserDocument, tmp_path: Path) -> None:
    slug = f"refresh-{uuid.uuid4().hex[:8]}"
    page = local_web.root / "substack" / f"{slug}.html"
    try:
        _check_refresh(local_web, user, slug, page)
    finally:
        page.unlink(missing_ok=True)


def _check_refresh(local_web: LocalWeb, user: UserDocument, slug: str, page: Path) -> None:
    source = "---\ntitle: First title\nsubtitle: First subtitle\nkind: substack\n---\n{body}\n"
    page.write_text(
        render_substack(
            parse_article(source.format(body="Version one of the text, long enough to count as an article body."), slug)
        )
    )
    url = local_web.substack.url(f"substack/{slug}.html")
    hosts = local_web.crawler_hosts()
    saved = _run([url], user, hosts).results[0]
    assert saved.outcome is Outcome.SAVED

    page.write_text(
        render_substack(
            parse_article(
                source.format(body="Version two of the text, rewritten after a careful review by an editor."), slug
            )
        )
    )
    assert _run([url], user, hosts).results[0].outcome is Outcome.ALREADY_PRESENT  # no refresh: untouched
    assert (
        ArticleDocument.find(link=url).content["Content"]
        == "Version one of the text, long enough to count as an article body."
    )

    refreshed = _run([url], user, hosts, refresh=True).results[0]
    assert refreshed.outcome is Outcome.REFRESHED and refreshed.document_id == saved.document_id
    stored = ArticleDocument.find(link=url)
    assert (
        stored.content["Content"] == "Version two of the text, rewritten after a careful review by an editor."
        and str(stored.id) == saved.document_id
    )


def test_failures_have_reasons_and_never_stop_the_others(local_web: LocalWeb, user: UserDocument) -> None:
    links = [
        local_web.blog.url("errors/404.html"),
        local_web.blog.url("bot/just-a-moment.html"),
        local_web.substack.url("bot/verify-human.html"),
        local_web.blog.url("errors/500.html"),
        local_web.blog.url("empty.html"),
        local_web.git.url("git/does-not-exist.git"),
        local_web.article_url("gorilla-time-series-compression"),
    ]
    local_web.reset_routes()
    summary = _run(links, user, local_web.crawler_hosts())
    outcomes = {r.link: (r.outcome, r.reason, r.attempts) for r in summary.results}
    assert outcomes[links[0]] == (Outcome.FAILED, f"HTTP 404 from {links[0]}", 1)  # permanent: no retry
    assert outcomes[links[1]] == (Outcome.FAILED, "bot check page (title 'Just a moment...')", 1)
    assert outcomes[links[2]] == (Outcome.FAILED, "bot check page (says 'verify you are human')", 1)
    assert outcomes[links[3]] == (Outcome.FAILED, f"HTTP 500 from {links[3]}", 1)
    assert outcomes[links[4]][0] is Outcome.FAILED and outcomes[links[4]][1].startswith("empty body")
    assert outcomes[links[5]][0] is Outcome.FAILED and "git clone of" in outcomes[links[5]][1]
    assert outcomes[links[6]][0] is Outcome.SAVED
    assert summary.failed == 6 and summary.count(Outcome.SAVED) == 1
    # Nothing of a failed page reached the warehouse.
    assert [a.link for a in ArticleDocument.bulk_find()] == [links[6]]
    per_domain = summary.per_domain()
    assert per_domain[local_web.blog.netloc] == {"saved": 1, "already present": 0, "refreshed": 0, "failed": 4}
    assert per_domain[local_web.substack.netloc] == {"saved": 0, "already present": 0, "refreshed": 0, "failed": 1}
    assert per_domain[local_web.git.netloc] == {"saved": 0, "already present": 0, "refreshed": 0, "failed": 1}
    report = summary.as_dict()
    assert report["failed"] == 6 and report["results"][0]["outcome"] == "failed"


def test_transient_errors_are_retried_with_backoff(local_web: LocalWeb, user: UserDocument) -> None:
    article = local_web.articles["rust-ownership"]
    path = f"/flaky/{uuid.uuid4().hex[:8]}.html"
    route = Route(render_substack(article), responses=[(503, "busy"), (502, "bad gateway")])
    local_web.substack.routes[path] = route
    result = _run([local_web.substack.url(path)], user, local_web.crawler_hosts()).results[0]
    assert (result.outcome, result.attempts, route.hits) == (Outcome.SAVED, 3, 3)

    always_down = f"/down/{uuid.uuid4().hex[:8]}.html"
    local_web.substack.routes[always_down] = Route("down", status=503)
    failed = _run([local_web.substack.url(always_down)], user, local_web.crawler_hosts()).results[0]
    assert failed.outcome is Outcome.FAILED and failed.attempts == 3
    assert failed.reason == f"HTTP 503 from {local_web.substack.url(always_down)}"


def test_overlapping_runs_never_duplicate(local_web: LocalWeb, user: UserDocument, monkeypatch) -> None:
    """Two runs crawl the same new link at once: the unique link index keeps one document."""
    url = local_web.article_url("rust-ownership")
    real_extract = SubstackCrawler.extract

    def extract_then_lose_the_race(self, link):
        fields = real_extract(self, link)
        if ArticleDocument.find(link=link.url) is None:  # the other run saves first, meanwhile
            ArticleDocument(link=link.url, author_id=user.id, author_full_name=user.full_name, **fields).save()
        return fields

    monkeypatch.setattr(SubstackCrawler, "extract", extract_then_lose_the_race)
    result = _run([url], user, local_web.crawler_hosts()).results[0]
    assert result.outcome is Outcome.ALREADY_PRESENT
    assert len([a for a in ArticleDocument.bulk_find() if a.link == url]) == 1


def test_unexpected_errors_become_failures(local_web: LocalWeb, user: UserDocument, monkeypatch) -> None:
    def explode(self, link):
        raise KeyError("boom")

    monkeypatch.setattr(SubstackCrawler, "extract", explode)
    links = [local_web.article_url("rust-ownership"), local_web.article_url("bloom-filters")]
    summary = _run(links, user, local_web.crawler_hosts())
    assert summary.results[0].outcome is Outcome.FAILED and summary.results[0].reason == "unexpected KeyError: 'boom'"
    assert summary.results[1].outcome is Outcome.SAVED
