"""Routing by parsed host, the config's extra hosts, and malformed links rejected before any crawling."""

from __future__ import annotations

import pytest

from llm_engineering.application.crawlers import CrawlerDispatcher, MalformedLink, parse_link, validate_links
from llm_engineering.domain.exceptions import ImproperlyConfigured


@pytest.mark.parametrize(
    ("url", "crawler"),
    [
        ("https://medium.com/decodingml/some-story-2cc6bb01141f", "medium"),
        ("http://medium.com/@ada/story", "medium"),
        ("https://www.medium.com/p/abc", "medium"),
        ("https://ada-quill.medium.com/a-story-123", "medium"),
        ("HTTPS://Medium.COM/p/abc", "medium"),
        ("https://medium.com.evil.io/p/abc", "custom"),
        ("https://notmedium.com/p/abc", "custom"),
        ("https://evil.io/medium.com/p/abc", "custom"),
        ("https://decodingml.substack.com/p/real-time?r=1ttoeh", "substack"),
        ("https://substack.com.attacker.net/p/x", "custom"),
        ("https://github.com/mlabonne/llm-course", "github"),
        ("https://www.github.com/mlabonne/llm-course", "github"),
        ("https://gitlab.com/group/project", "github"),
        ("https://github.community/t/thread", "custom"),
        ("https://mlabonne.github.io/blog/posts/x.html", "custom"),
        ("https://example.org/blog/post", "custom"),
    ],
)
def test_default_routing_by_host(url: str, crawler: str) -> None:
    assert CrawlerDispatcher().crawler_name_for(url) == crawler


def test_custom_hosts_from_config_extend_the_defaults() -> None:
    dispatcher = CrawlerDispatcher(
        {"github": ["git.example.com", "127.0.0.1:3000"], "medium": ["blog.pub.dev"], "substack": ["news.ada.dev"]}
    )
    assert dispatcher.crawler_name_for("https://git.example.com/team/repo.git") == "github"
    assert dispatcher.crawler_name_for("https://eu.git.example.com/team/repo") == "github"
    assert dispatcher.crawler_name_for("http://127.0.0.1:3000/git/repo.git") == "github"
    assert dispatcher.crawler_name_for("http://127.0.0.1:3001/git/repo.git") == "custom"  # the port is part of it
    assert dispatcher.crawler_name_for("http://127.0.0.1/git/repo.git") == "custom"
    assert dispatcher.crawler_name_for("https://blog.pub.dev/story") == "medium"
    assert dispatcher.crawler_name_for("https://news.ada.dev/p/post") == "substack"
    assert dispatcher.crawler_name_for("https://medium.com/x") == "medium"  # defaults still there


def test_most_specific_pattern_wins() -> None:
    dispatcher = CrawlerDispatcher({"github": ["code.medium.com"]})
    assert dispatcher.crawler_name_for("https://code.medium.com/org/repo") == "github"
    assert dispatcher.crawler_name_for("https://ada.medium.com/story") == "medium"


@pytest.mark.parametrize(
    ("hosts", "message"),
    [
        ({"linkedin": ["linkedin.com"]}, "unknown crawler 'linkedin'"),
        ({"github": ["https://git.example.com"]}, "bare 'host' or 'host:port'"),
        ({"github": ["git.example.com:99999"]}, "out of range"),
        ({"github": "git.example.com"}, "must be a list"),
        ({"medium": [""]}, "non-empty"),
    ],
)
def test_bad_crawler_hosts_are_clear_errors(hosts: dict, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        CrawlerDispatcher(hosts)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("medium.com/p/abc", "no scheme"),
        ("ftp://example.org/file", "scheme 'ftp'"),
        ("file:///etc/passwd", "scheme 'file'"),
        ("javascript:alert(1)", "scheme 'javascript'"),
        ("https://", "no host"),
        ("https:///path-only", "no host"),
        ("https://exa mple.org/x", "whitespace"),
        ("https://example.org:notaport/x", "Port"),
        ("https://bad_host!.org/x", "not a valid host"),
        ("", "non-empty"),
        (None, "non-empty"),
        (42, "non-empty"),
    ],
)
def test_malformed_links_are_rejected(raw: object, message: str) -> None:
    with pytest.raises(MalformedLink, match=message):
        parse_link(raw)


def test_links_are_normalised() -> None:
    parsed = parse_link("  HTTPS://WWW.Example.ORG:8443/Path/Page?q=1#section ")
    assert parsed.url == "https://www.example.org:8443/Path/Page?q=1"
    assert (parsed.host, parsed.port, parsed.domain, parsed.netloc) == (
        "www.example.org",
        8443,
        "example.org",
        "www.example.org:8443",
    )
    assert parse_link("https://user:secret@example.org/x").url == "https://example.org/x"


def test_validate_links_lists_every_bad_link_at_once() -> None:
    with pytest.raises(MalformedLink) as error:
        validate_links(["https://ok.example/a", "not a url", "https://ok.example/b", "ftp://x.org/y"])
    message = str(error.value)
    assert "links[1]" in message and "links[3]" in message and "links[0]" not in message
    assert "nothing was crawled" in message
