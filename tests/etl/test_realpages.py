"""Real saved pages through the real crawlers (headless Chromium for Medium): every manifest phrase kept,
no page chrome, the bot check a failure; paywalled previews never stored, refreshes never lose a good copy."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from bs4 import BeautifulSoup

from llm_engineering.application.crawlers import BlockedPage, CrawlerDispatcher, Outcome, crawl_link, parse_link
from llm_engineering.application.crawlers.dispatcher import default_factories
from llm_engineering.application.crawlers.errors import PaywalledPreview
from llm_engineering.application.crawlers.ingest import RetryPolicy
from llm_engineering.application.crawlers.medium import MediumCrawler
from llm_engineering.domain.documents import ArticleDocument, UserDocument
from tests.etl import realpages
from tools.local_http import Route

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not realpages.available(), reason="../shared/realpages is absent"),
]
ENTRIES = realpages.manifest()
ARTICLES = [entry for entry in ENTRIES if entry["kind"] != "botcheck"]
NO_RETRY = RetryPolicy(attempts=1)
OFFLINE_RESOLVER = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"


@pytest.fixture(scope="module")
def web() -> Iterator[realpages.RealPagesWeb]:
    web = realpages.RealPagesWeb.start()
    yield web
    web.stop()


@pytest.fixture(scope="module")
def dispatcher(web: realpages.RealPagesWeb) -> Iterator[CrawlerDispatcher]:
    """One dispatcher, so one browser, for the whole module (as in a crawl run). The saved pages still name
    their sites' scripts; Chromium resolves no name but loopback, so it never waits on the internet."""
    factories = {
        **default_factories(),
        "medium": lambda network: MediumCrawler(network=network, chromium_arguments=(OFFLINE_RESOLVER,)),
    }
    with CrawlerDispatcher(web.crawler_hosts(), factories=factories) as dispatcher:
        yield dispatcher


def _extract(dispatcher: CrawlerDispatcher, url: str) -> dict[str, Any]:
    link = parse_link(url)
    return dispatcher.get_crawler(link).extract(link)


@pytest.mark.parametrize("entry", ARTICLES, ids=[entry["file"] for entry in ARTICLES])
def test_real_page_keeps_the_article_and_drops_the_chrome(
    web: realpages.RealPagesWeb, dispatcher: CrawlerDispatcher, entry: dict[str, Any]
) -> None:
    url = web.url(entry)
    assert dispatcher.crawler_name_for(url) == realpages.CRAWLER_OF_KIND[entry["kind"]]
    content = _extract(dispatcher, url)["content"]
    body = realpages.comparable(content["Content"])
    missing = [phrase for phrase in entry["must_contain"] if realpages.comparable(phrase) not in body]
    leaked = [phrase for phrase in entry["must_not_contain"] if realpages.comparable(phrase) in body]
    assert missing == [] and leaked == []
    assert realpages.comparable(content["Title"]).startswith(realpages.comparable(entry["title"]))


@pytest.mark.parametrize("entry", [e for e in ENTRIES if e["kind"] == "botcheck"], ids=lambda e: e["file"])
def test_real_bot_check_is_a_failure_never_a_document(
    web: realpages.RealPagesWeb, dispatcher: CrawlerDispatcher, entry: dict[str, Any], mongo_db: str
) -> None:
    with pytest.raises(BlockedPage, match=r"^bot check page"):
        _extract(dispatcher, web.url(entry))
    user = UserDocument.get_or_create(first_name="Ada", last_name="Quill")
    result = crawl_link(dispatcher, parse_link(web.url(entry)), user, retry=NO_RETRY)
    assert result.outcome is Outcome.FAILED and result.reason.startswith("bot check page")
    assert ArticleDocument.estimated_count() == 0


def _entry(file_prefix: str) -> dict[str, Any]:
    return next(entry for entry in ENTRIES if entry["file"].startswith(file_prefix))


def _preview_of(html: str, paragraphs: int = 3) -> str:
    """The story's page as a logged-out reader of a member-only story gets it: the same page, the body cut
    after its first paragraphs (built at run time from the shared page, never committed)."""
    soup = BeautifulSoup(html, "lxml")
    article = soup.find("article")
    assert article is not None
    kept = 0
    for block in article.find_all(["p", "h1", "h2", "h3", "h4", "pre", "blockquote", "figure", "ol", "ul"]):
        if block.decomposed:
            continue
        if block.name == "p" and kept < paragraphs:
            kept += 1
        elif kept >= paragraphs:
            block.decompose()
    return str(soup)


def test_a_member_only_preview_is_a_failure_never_stored(
    web: realpages.RealPagesWeb, dispatcher: CrawlerDispatcher, mongo_db: str
) -> None:
    url = web.route("medium", "/member-preview.html", Route(_preview_of(realpages.read_page(_entry("medium-walmart")))))
    with pytest.raises(PaywalledPreview, match=r"^paywalled preview \(\d+ characters\)$"):
        _extract(dispatcher, url)
    user = UserDocument.get_or_create(first_name="Ada", last_name="Quill")
    result = crawl_link(dispatcher, parse_link(url), user, retry=NO_RETRY)
    assert result.outcome is Outcome.FAILED and result.reason.startswith("paywalled preview (")
    assert ArticleDocument.estimated_count() == 0


def test_a_metered_story_with_its_full_text_is_stored_without_the_banner(
    web: realpages.RealPagesWeb, dispatcher: CrawlerDispatcher
) -> None:
    entry = _entry("medium-walmart")
    body = _extract(dispatcher, web.url(entry))["content"]["Content"]
    assert "free member-only stories left" not in body and len(body) > 20_000


def _truncated(html: str) -> str:
    """The same page with two thirds of its paragraphs gone (no paywall marker: a broken re-crawl)."""
    soup = BeautifulSoup(html, "lxml")
    paragraphs = soup.find_all("p")
    for paragraph in paragraphs[len(paragraphs) // 3 :]:
        paragraph.decompose()
    return str(soup)


@pytest.mark.parametrize(
    ("entry_prefix", "new_copy", "reason"),
    [
        (
            "medium-walmart",
            lambda html: _preview_of(html),
            r"new copy is unusable \(paywalled preview \(\d+ characters",
        ),
        ("substack-garymarcus", lambda html: realpages.read_page(_entry("medium-cloudflare")), r"bot check page"),
        ("gregoryszorc", lambda html: "<html><head><title>Blog</title></head><body><p></p></body></html>", r"empty"),
        ("josephg", _truncated, r"new copy looks truncated \(\d+ vs \d+ characters\)"),
    ],
    ids=["preview", "bot-check", "empty", "truncated"],
)
def test_refresh_keeps_the_stored_copy_when_the_new_one_is_worse(
    web: realpages.RealPagesWeb, dispatcher: CrawlerDispatcher, mongo_db: str, entry_prefix: str, new_copy, reason
) -> None:
    entry = _entry(entry_prefix)
    html = realpages.read_page(entry)
    route = Route(html)
    url = web.route(entry["kind"], f"/refresh-{entry['file']}", route)
    user = UserDocument.get_or_create(first_name="Ada", last_name="Quill")
    first = crawl_link(dispatcher, parse_link(url), user, retry=NO_RETRY)
    assert first.outcome is Outcome.SAVED, first.reason
    stored = ArticleDocument.find(_id=first.document_id)
    assert stored is not None
    route.body = new_copy(html)
    refreshed = crawl_link(dispatcher, parse_link(url), user, refresh=True, retry=NO_RETRY)
    assert refreshed.outcome is Outcome.ALREADY_PRESENT and refreshed.document_id == first.document_id
    assert refreshed.reason.startswith("refresh kept the stored copy: ")
    assert re.search(reason, refreshed.reason), refreshed.reason
    assert ArticleDocument.find(_id=first.document_id).content == stored.content
    route.body = html  # the good copy again: a refresh replaces it
    again = crawl_link(dispatcher, parse_link(url), user, refresh=True, retry=NO_RETRY)
    assert again.outcome is Outcome.REFRESHED and ArticleDocument.estimated_count() == 1


def _without_platform_markup(html: str) -> str:
    """The same page after a redesign: none of the story/post selectors the platform crawlers know."""
    for old, new in (("available-content", "x-content"), ("body markup", "x-body"), ("<article", "<div")):
        html = html.replace(old, new)
    return html.replace("</article>", "</div>")


@pytest.mark.parametrize("file_prefix", ["medium-hackernoon", "substack-garymarcus"])
def test_platform_crawlers_fall_back_to_the_main_content(
    web: realpages.RealPagesWeb, dispatcher: CrawlerDispatcher, file_prefix: str
) -> None:
    entry = _entry(file_prefix)
    url = web.route(
        entry["kind"], f"/redesigned-{entry['file']}", Route(_without_platform_markup(realpages.read_page(entry)))
    )
    body = realpages.comparable(_extract(dispatcher, url)["content"]["Content"])
    assert [p for p in entry["must_contain"] if realpages.comparable(p) not in body] == []
    assert [p for p in entry["must_not_contain"] if realpages.comparable(p) in body] == []
