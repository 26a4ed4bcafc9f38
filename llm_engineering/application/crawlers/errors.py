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


# How resolvers and tools word "this host name does not resolve" (glibc, macOS, Windows, git/curl, Chromium).
_NAME_RESOLUTION_MARKERS = (
    "name or service not known",
    "temporary failure in name resolution",
    "nodename nor servname",
    "no address associated with hostname",
    "getaddrinfo failed",
    "could not resolve host",
    "err_name_not_resolved",
)


def is_name_resolution_failure(error: BaseException) -> bool:
    """A host name that does not resolve: offline or a wrong host. Waiting seconds rarely fixes either."""
    text = str(error).lower()
    return any(marker in text for marker in _NAME_RESOLUTION_MARKERS)


class EveryLinkFailed(CrawlError):
    """Nothing of the run's links could be crawled: the run itself failed (its message lists every reason)."""
