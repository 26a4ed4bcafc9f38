"""Retries: a host name that does not resolve fails at once; one run's total waiting is capped."""

from __future__ import annotations

import time
from typing import Any

from llm_engineering.application.crawlers import CrawlerDispatcher, Outcome, RetryPolicy, crawl_links, validate_links
from llm_engineering.application.crawlers.base import BaseCrawler
from llm_engineering.application.crawlers.errors import TransientCrawlError
from llm_engineering.application.crawlers.links import ParsedLink
from llm_engineering.application.crawlers.retry_budget import RetryBudget
from llm_engineering.domain.documents import ArticleDocument, UserDocument


class _Unreachable(BaseCrawler):
    """Fails like the network does offline: the resolver's own words, or a plain connection refusal."""

    name = "custom"
    model = ArticleDocument
    calls = 0

    def __init__(self, network: object = None) -> None:  # the dispatcher hands every crawler its network policy
        self.network = network

    def extract(self, link: ParsedLink) -> dict[str, Any]:
        type(self).calls += 1
        if "dns" in link.url:
            raise TransientCrawlError(
                f"network error fetching {link.url}: [Errno -3] Temporary failure in name resolution"
            )
        raise TransientCrawlError(f"network error fetching {link.url}: [Errno 111] Connection refused")


def _crawl(links: list[str], retry: RetryPolicy) -> tuple[list, float]:
    _Unreachable.calls = 0
    user = UserDocument(first_name="Ada", last_name="Quill")  # never saved: every link fails
    started = time.perf_counter()
    with CrawlerDispatcher(
        factories={"custom": _Unreachable, "github": _Unreachable, "medium": _Unreachable, "substack": _Unreachable}
    ) as dispatcher:
        summary = crawl_links(validate_links(links), user, dispatcher, retry=retry, progress=False)
    return summary.results, time.perf_counter() - started


def test_name_resolution_failures_are_not_retried(mongo_db: str) -> None:
    links = [f"https://dns-{i}.example.invalid/post" for i in range(5)]
    results, elapsed = _crawl(links, RetryPolicy(attempts=3, initial_wait_s=1.0))
    assert [(r.outcome, r.attempts) for r in results] == [(Outcome.FAILED, 1)] * 5
    assert _Unreachable.calls == 5 and elapsed < 1.0
    assert all(r.reason.startswith("host name did not resolve (offline or unknown host)") for r in results)


def test_total_retry_wait_of_a_run_is_capped(mongo_db: str) -> None:
    links = [f"https://refused-{i}.example.invalid/post" for i in range(4)]
    retry = RetryPolicy(attempts=4, initial_wait_s=0.1, max_wait_s=1.0, max_total_wait_s=0.25)
    results, elapsed = _crawl(links, retry)
    # Uncapped, each link would wait 0.1 + 0.2 + 0.4 s (2.8 s in all); the run stops after 0.25 s of waiting.
    assert all(r.outcome is Outcome.FAILED for r in results)
    assert elapsed < 1.0
    assert results[0].attempts == 3 and [r.attempts for r in results[1:]] == [1, 1, 1]
    assert "retry budget is spent" in results[-1].reason


def test_budget_grants_what_is_left_then_nothing() -> None:
    budget = RetryBudget(total_s=1.0)
    assert budget.take(0.75) == 0.75 and budget.take(0.5) == 0.25 and budget.take(0.1) is None
    assert budget.remaining_s == 0.0
