"""Paywall signals on pages we write here: previews are recognised, full texts and banners are told apart."""

from __future__ import annotations

from bs4 import BeautifulSoup

from llm_engineering.application.crawlers.paywall import preview_reason, strip_banners

WORDS = "The cache keeps recent entries close to the reader and evicts the rest. "  # 13 words


def _page(body: str, extra: str = "", head: str = "") -> BeautifulSoup:
    return BeautifulSoup(f"<html><head>{head}</head><body><article>{body}</article>{extra}</body></html>", "lxml")


def test_a_paid_subscriber_preview_is_recognised_by_its_prompt() -> None:
    body = WORDS * 10
    page = _page(
        f"<p>{body}</p>", "<div><h2>This post is for paid subscribers</h2><a>Already a paid subscriber?</a></div>"
    )
    assert preview_reason(page, body) == f"paywalled preview ({len(body)} characters)"


def test_a_page_marked_not_free_is_a_preview_only_when_shorter_than_its_reading_time() -> None:
    ld_json = '<script type="application/ld+json">{"@type": "NewsArticle", "isAccessibleForFree": "False"}</script>'
    short, full = WORDS * 20, WORDS * 300  # 260 and 3,900 words against an 18-minute read
    assert preview_reason(_page(f"<p>18 min read</p><p>{short}</p>", head=ld_json), short) is not None
    assert preview_reason(_page(f"<p>18 min read</p><p>{full}</p>", head=ld_json), full) is None
    # Free pages are never previews, however short.
    assert preview_reason(_page(f"<p>18 min read</p><p>{short}</p>"), short) is None


def test_a_full_article_that_mentions_a_prompt_is_not_a_preview() -> None:
    body = WORDS * 250
    page = _page(f"<p>12 min read</p><p>{body}</p>", "<aside>Subscribe to keep reading our best stories</aside>")
    assert preview_reason(page, body) is None


def test_metered_banners_go_and_bodies_without_one_are_unchanged() -> None:
    body = "First paragraph.\n\nYou have 2 free member-only stories left this month.\n\nSecond paragraph."
    assert strip_banners(body) == "First paragraph.\n\nSecond paragraph."
    code = "Intro.\n\n    def f():\n        \n\n\n        return 1\n\nOutro."
    assert strip_banners(code) == code  # no banner: untouched, spacing included
    # A long paragraph that quotes a banner is content.
    long_quote = "Readers saw 'You have 2 free member-only stories left this month.' " + WORDS * 30
    assert strip_banners(long_quote) == long_quote
