"""Crawlers: one link in, the fields of one raw document out (or a `CrawlError` that says why).

Importing this package starts nothing: browsers, git and HTTP clients are used only inside `extract`.
"""

from llm_engineering.application.crawlers.base import BaseCrawler
from llm_engineering.application.crawlers.dispatcher import DEFAULT_CRAWLER_HOSTS, CrawlerDispatcher
from llm_engineering.application.crawlers.errors import BlockedPage, EmptyPage, TransientCrawlError
from llm_engineering.application.crawlers.ingest import (
    CrawlSummary,
    LinkResult,
    Outcome,
    RetryPolicy,
    crawl_link,
    crawl_links,
    validate_links,
)
from llm_engineering.application.crawlers.links import MalformedLink, ParsedLink, normalize_link, parse_link

__all__ = [
    "DEFAULT_CRAWLER_HOSTS",
    "BaseCrawler",
    "BlockedPage",
    "CrawlSummary",
    "CrawlerDispatcher",
    "EmptyPage",
    "LinkResult",
    "MalformedLink",
    "Outcome",
    "ParsedLink",
    "RetryPolicy",
    "TransientCrawlError",
    "crawl_link",
    "crawl_links",
    "normalize_link",
    "parse_link",
    "validate_links",
]
