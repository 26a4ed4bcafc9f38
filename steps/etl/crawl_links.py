"""Crawl every link of one user into the warehouse; one bad link never stops the others."""

from __future__ import annotations

from typing import Annotated, Any

from zenml import log_metadata, step

from llm_engineering.application.crawlers import CrawlerDispatcher, Outcome, RetryPolicy, validate_links
from llm_engineering.application.crawlers import crawl_links as crawl_all
from llm_engineering.domain.documents import UserDocument


# Never cached: the same inputs must crawl again (new pages, --refresh, earlier failures).
@step(enable_cache=False)
def crawl_links(
    user: UserDocument,
    links: list[str],
    crawler_hosts: dict[str, list[str]] | None = None,
    refresh: bool = False,
    retry_attempts: int = 3,
    retry_initial_wait_s: float = 1.0,
    allow_private_networks: bool = False,
) -> Annotated[dict[str, Any], "crawl_summary"]:
    parsed = validate_links(links)  # malformed links fail the step before anything is crawled
    retry = RetryPolicy(attempts=retry_attempts, initial_wait_s=retry_initial_wait_s)
    with CrawlerDispatcher(crawler_hosts, allow_private_networks=allow_private_networks) as dispatcher:
        summary = crawl_all(parsed, user, dispatcher, refresh=refresh, retry=retry)
    report = summary.as_dict()
    log_metadata(
        metadata={
            "user": user.full_name,
            "links": report["links"],
            "saved": report["saved"],
            "already_present": report["already present"],
            "refreshed": report["refreshed"],
            "failed": report["failed"],
            "per_domain": report["per_domain"],
            "failures": {r.link: r.reason for r in summary.results if r.outcome is Outcome.FAILED},
            "kept_on_refresh": {
                r.link: r.reason for r in summary.results if r.reason and r.outcome is not Outcome.FAILED
            },
        }
    )
    return report
