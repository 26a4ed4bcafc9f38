"""Crawl every link of one user into the warehouse; one bad link never stops the others."""

from __future__ import annotations

from typing import Annotated, Any

from zenml import log_metadata, step

from llm_engineering.application.crawlers import CrawlerDispatcher, RetryPolicy, validate_links
from llm_engineering.application.crawlers import crawl_links as crawl_all
from llm_engineering.application.crawlers.errors import EveryLinkFailed
from llm_engineering.application.crawlers.user_cleanup import forget_user_without_documents
from llm_engineering.application.reports.etl_report import (
    etl_report_html,
    etl_run_metadata,
    run_status,
)
from llm_engineering.domain.documents import UserDocument
from llm_engineering.infrastructure.zenml_reports import log_run_metadata, save_html_report


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
    metadata = etl_run_metadata(report, user.full_name)
    log_metadata(metadata=metadata)
    log_run_metadata(metadata)
    save_html_report("etl_link_report", etl_report_html(report, user.full_name))
    if run_status(report) == "failed":  # the run is red, with every reason; it leaves no empty user behind
        forget_user_without_documents(user)
        # One line: the reasons are in the run's metadata ("failures"), its etl_link_report and the CLI's summary.
        raise EveryLinkFailed(
            f"every link failed ({report['links']} of {report['links']}): see this run's 'failures' metadata "
            "and its etl_link_report"
        )
    return report
