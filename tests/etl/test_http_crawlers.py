"""Substack-like and blog pages through the HTTP crawlers, and every page that must not become content."""

from __future__ import annotations

import re

import pytest

from llm_engineering.application.crawlers import BlockedPage, EmptyPage, TransientCrawlError, parse_link
from llm_engineering.application.crawlers.custom_article import CustomArticleCrawler
from llm_engineering.application.crawlers.substack import SubstackCrawler
from llm_engineering.domain.exceptions import CrawlError
from tests.etl.conftest import LOOPBACK, LocalWeb, closed_port


def _words(text: str) -> str:
    return " ".join(text.split())


def test_substack_crawler_extracts_title_subtitle_and_exact_body(local_web: LocalWeb) -> None:
    article = local_web.articles["rust-ownership"]
    fields = SubstackCrawler(network=LOOPBACK).extract(
        parse_link(local_web.substack.url("substack/rust-ownership.html"))
    )
    assert fields["platform"] == "127.0.0.1"
    content = dict(fields["content"])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", content.pop("Date") or "0000-00-00")
    assert content == {
        "Title": "Rust Ownership for People Who Have Fought the Borrow Checker",
        "Subtitle": "Moves, borrows and lifetimes explained as one idea instead of three",
        "Content": article.content,
        "language": "en",
        "Author": None,  # the sample page names no author
    }
    # The code block keeps its lines and indentation; no navigation or subscribe widget leaks in.
    assert 'let title = String::from("ownership");\nlet moved = title;' in fields["content"]["Content"]
    assert "Subscribe" not in fields["content"]["Content"] and "Sign in" not in fields["content"]["Content"]


def test_custom_crawler_returns_markdown_with_title_description_and_language(local_web: LocalWeb) -> None:
    article = local_web.articles["bloom-filters"]
    fields = CustomArticleCrawler(network=LOOPBACK).extract(parse_link(local_web.blog.url("blog/bloom-filters.html")))
    content = fields["content"]
    assert fields["platform"] == "127.0.0.1"
    assert content["Title"] == "Bloom Filters in Practice"
    assert content["Subtitle"] == "Sizing, hashing and the false positive rate you actually get"
    assert content["language"] == "en"
    markdown = content["Content"]
    # The main content only: the site navigation stays out, the article's structure stays in.
    assert "Ada Quill | Blog | About" not in markdown and not markdown.startswith("Ada Quill")
    assert "### Sizing from the error rate" in markdown
    for tag, text in article.blocks:  # every paragraph, unwrapped, word for word
        if tag == "p":
            assert text in markdown, text[:60]
        else:
            assert _words(text) in _words(markdown)


@pytest.mark.parametrize("crawler_class", [SubstackCrawler, CustomArticleCrawler])
@pytest.mark.parametrize(
    ("page", "reason"),
    [
        ("bot/just-a-moment.html", "bot check page (title 'Just a moment...')"),
        ("bot/verify-human.html", "bot check page (says 'verify you are human')"),
        ("bot/captcha-wall.html", "bot check page (says 'are you a robot')"),
    ],
)
def test_bot_checks_are_failures_not_content(local_web: LocalWeb, crawler_class: type, page: str, reason: str) -> None:
    with pytest.raises(BlockedPage) as error:
        crawler_class(network=LOOPBACK).extract(parse_link(local_web.blog.url(page)))
    assert str(error.value) == reason


@pytest.mark.parametrize("crawler_class", [SubstackCrawler, CustomArticleCrawler])
def test_error_statuses_name_the_status(local_web: LocalWeb, crawler_class: type) -> None:
    url_404, url_500 = local_web.blog.url("errors/404.html"), local_web.blog.url("errors/500.html")
    with pytest.raises(CrawlError, match=r"^HTTP 404 from ") as not_found:
        crawler_class(network=LOOPBACK).extract(parse_link(url_404))
    assert not isinstance(not_found.value, TransientCrawlError)  # retrying a 404 is pointless
    with pytest.raises(CrawlError, match=r"^HTTP 500 from "):
        crawler_class(network=LOOPBACK).extract(parse_link(url_500))
    missing = local_web.blog.url("no/such/page.html")
    with pytest.raises(CrawlError, match=r"^HTTP 404 from "):
        crawler_class(network=LOOPBACK).extract(parse_link(missing))


@pytest.mark.parametrize("crawler_class", [SubstackCrawler, CustomArticleCrawler])
def test_slow_pages_time_out_as_transient_errors(local_web: LocalWeb, crawler_class: type) -> None:
    with pytest.raises(TransientCrawlError, match=r"timed out after 0.5s"):
        crawler_class(timeout_s=0.5, network=LOOPBACK).extract(parse_link(local_web.blog.url("errors/slow.html")))


def test_empty_bodies_are_failures(local_web: LocalWeb) -> None:
    with pytest.raises(EmptyPage, match=r"empty body|no post body"):
        SubstackCrawler(network=LOOPBACK).extract(parse_link(local_web.blog.url("empty.html")))
    with pytest.raises(EmptyPage, match=r"empty body \(\d+ characters of content\)"):
        CustomArticleCrawler(network=LOOPBACK).extract(parse_link(local_web.blog.url("empty.html")))


def test_refused_connections_are_transient() -> None:
    url = f"http://127.0.0.1:{closed_port()}/x.html"
    with pytest.raises(TransientCrawlError, match="network error"):
        CustomArticleCrawler(timeout_s=2, network=LOOPBACK).extract(parse_link(url))
    with pytest.raises(TransientCrawlError, match="network error"):
        SubstackCrawler(timeout_s=2, network=LOOPBACK).extract(parse_link(url))
