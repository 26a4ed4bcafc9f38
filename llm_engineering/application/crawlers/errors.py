"""Crawl failures: transient ones are retried, the others are reported at once."""

from __future__ import annotations

from llm_engineering.domain.exceptions import CrawlError

# Statuses that say "try again later" rather than "this page is wrong".
TRANSIENT_HTTP_STATUSES = frozenset({408, 425, 429, 502, 503, 504})


class TransientCrawlError(CrawlError):
    """A network hiccup (refused/reset connection, timeout, 429/502/503/504): worth a retry."""


class BlockedPage(CrawlError):
    """The site answered with a bot check or interstitial instead of the content."""


class EmptyPage(CrawlError):
    """The page has no usable content (empty body, error page, no article)."""


def http_status_error(status: int, url: str) -> CrawlError:
    message = f"HTTP {status} from {url}"
    return TransientCrawlError(message) if status in TRANSIENT_HTTP_STATUSES else CrawlError(message)


class PaywalledPreview(CrawlError):
    """Only the free preview of a member-only or paid-subscriber article: never stored as the article."""
