"""Crawl one link into the warehouse: skip, save or refresh, with retries for transient network errors only."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from loguru import logger
from tenacity import RetryCallState, Retrying, retry_if_exception, wait_exponential

from llm_engineering.application.crawlers.canonical import link_identity, stored_link_identity
from llm_engineering.application.crawlers.dispatcher import CrawlerDispatcher
from llm_engineering.application.crawlers.errors import TransientCrawlError, is_name_resolution_failure
from llm_engineering.application.crawlers.links import MalformedLink, ParsedLink, parse_link
from llm_engineering.application.crawlers.refresh_guard import kept_reason, truncated_reason
from llm_engineering.application.crawlers.retry_budget import RetryBudget
from llm_engineering.domain.documents import Document, RepositoryDocument, UserDocument
from llm_engineering.domain.exceptions import CrawlError


class Outcome(StrEnum):
    SAVED = "saved"
    ALREADY_PRESENT = "already present"
    REFRESHED = "refreshed"
    FAILED = "failed"


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3
    initial_wait_s: float = 1.0
    max_wait_s: float = 20.0
    max_total_wait_s: float = 30.0  # all links of one run together (see RetryBudget)


@dataclass
class LinkResult:
    link: str
    domain: str
    crawler: str
    outcome: Outcome
    reason: str | None = None
    document_id: str | None = None
    attempts: int = 0
    seconds: float = 0.0
    characters: int = 0  # text stored for this link (the run's report shows it)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "outcome": self.outcome.value}


@dataclass
class CrawlSummary:
    results: list[LinkResult] = field(default_factory=list)

    def count(self, outcome: Outcome) -> int:
        return sum(result.outcome is outcome for result in self.results)

    @property
    def failed(self) -> int:
        return self.count(Outcome.FAILED)

    def per_domain(self) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {}
        for result in self.results:
            domain = counts.setdefault(result.domain, {outcome.value: 0 for outcome in Outcome})
            domain[result.outcome.value] += 1
        return counts

    def as_dict(self) -> dict[str, Any]:
        return {
            "links": len(self.results),
            **{outcome.value: self.count(outcome) for outcome in Outcome},
            "per_domain": self.per_domain(),
            "results": [result.as_dict() for result in self.results],
        }


def validate_links(links: Iterable[object]) -> list[ParsedLink]:
    """Every link parsed, or one `MalformedLink` listing all the bad ones (before anything is crawled)."""
    if isinstance(links, str) or not isinstance(links, Iterable):
        raise MalformedLink("links must be a list of http(s) URLs")
    parsed, problems = [], []
    for index, raw in enumerate(links):
        try:
            parsed.append(parse_link(raw))
        except MalformedLink as error:
            problems.append(f"links[{index}]: {error}")
    if problems:
        raise MalformedLink("Malformed links, nothing was crawled:\n  " + "\n  ".join(problems))
    return parsed


def crawl_link(
    dispatcher: CrawlerDispatcher,
    link: ParsedLink,
    user: UserDocument,
    refresh: bool = False,
    retry: RetryPolicy | None = None,
    budget: RetryBudget | None = None,
) -> LinkResult:
    """Never raises for a bad page: the result says what happened and why."""
    retry = retry or RetryPolicy()
    budget = budget or RetryBudget(retry.max_total_wait_s)
    started = time.perf_counter()
    crawler_name = dispatcher.crawler_name_for(link)
    result = LinkResult(link=link.url, domain=link.site, crawler=crawler_name, outcome=Outcome.FAILED)
    existing = None
    try:
        crawler = dispatcher.get_crawler(link)
        model = crawler.model
        repository = issubclass(model, RepositoryDocument)
        canonical = link.canonical(repository=repository)
        existing = find_by_canonical_link(model, canonical, repository=repository)
        if existing is not None and not refresh:
            result.outcome, result.document_id = Outcome.ALREADY_PRESENT, str(existing.id)
            result.characters = stored_characters(existing.content)
            return result
        fields = _extract_with_retries(crawler, link, retry, result, budget)
        if existing is not None:
            kept = truncated_reason(existing.content, fields.get("content"))
            if kept:
                result.outcome, result.reason, result.document_id = Outcome.ALREADY_PRESENT, kept, str(existing.id)
                return result
        document = model(
            **({"id": existing.id} if existing is not None else {}),
            link=existing.link if existing is not None else canonical,  # a stored link is never respelled
            author_id=user.id,
            author_full_name=user.full_name,
            **fields,
        )
        if existing is not None:
            document.save()
            result.outcome = Outcome.REFRESHED
        elif model.bulk_insert([document]) == 1:
            result.outcome = Outcome.SAVED
        else:  # another run saved this link meanwhile: the unique index kept one
            document = model.find(link=canonical) or document
            result.outcome = Outcome.ALREADY_PRESENT
        result.document_id = str(document.id)
        result.characters = stored_characters(document.content)
    except CrawlError as error:
        kept = kept_reason(error) if existing is not None else None
        if kept:
            result.outcome, result.document_id = Outcome.ALREADY_PRESENT, str(existing.id)
        result.reason = kept or str(error)
    except Exception as error:  # one broken link must never abort the others
        logger.exception("Unexpected error crawling {}", link.url)
        result.reason = f"unexpected {type(error).__name__}: {error}"
    finally:
        result.seconds = round(time.perf_counter() - started, 3)
    return result


def find_by_canonical_link(model: type[Document], canonical: str, repository: bool = False) -> Document | None:
    """The stored document for this link under any spelling: canonical (either scheme) first, then older
    spellings (imported backups keep their links as written) compared by their canonical form."""
    identity = link_identity(canonical)
    found = model.find(link={"$in": [f"https://{identity}", f"http://{identity}"]})
    if found is not None:
        return found
    for record in model.collection().find({}, {"link": 1}):
        stored = record.get("link")
        if isinstance(stored, str) and stored_link_identity(stored, repository) == identity:
            return model.find(_id=record["_id"])
    return None


def stored_characters(content: Any) -> int:
    """Characters of text in a document's content (nested dicts and lists: a repository's files)."""
    if isinstance(content, str):
        return len(content)
    if isinstance(content, dict):
        return sum(stored_characters(value) for value in content.values())
    if isinstance(content, list | tuple):
        return sum(stored_characters(value) for value in content)
    return 0


def _extract_with_retries(
    crawler: Any, link: ParsedLink, retry: RetryPolicy, result: LinkResult, budget: RetryBudget
) -> dict[str, Any]:
    """Transient errors are retried with exponential backoff while the run's retry budget lasts.

    A host name that does not resolve is not retried: offline, or a typo in the link, seconds do not fix it.
    """
    backoff = wait_exponential(multiplier=retry.initial_wait_s, max=retry.max_wait_s)
    attempts = max(1, retry.attempts)
    budget_spent = False

    def wait_within_budget(state: RetryCallState) -> float:
        # tenacity asks for the wait before it checks `stop`: reserve budget only for a retry that will happen.
        nonlocal budget_spent
        if state.attempt_number >= attempts:
            return 0.0
        wanted = backoff(state)
        granted = budget.take(wanted) if wanted > 0 else 0.0
        budget_spent = granted is None
        return granted or 0.0

    retrying = Retrying(
        retry=retry_if_exception(lambda e: isinstance(e, TransientCrawlError) and not is_name_resolution_failure(e)),
        stop=lambda state: state.attempt_number >= attempts or budget_spent,
        wait=wait_within_budget,
        reraise=True,
        before_sleep=lambda state: logger.debug(
            "{} attempt {} failed ({}); retrying", link.url, state.attempt_number, state.outcome.exception()
        ),
    )
    try:
        for attempt in retrying:
            with attempt:
                result.attempts = attempt.retry_state.attempt_number
                return crawler.extract(link)
    except TransientCrawlError as error:
        if is_name_resolution_failure(error):
            raise CrawlError(f"host name did not resolve (offline or unknown host): {error}") from None
        if budget_spent:
            spent = f"not retried: this run's {budget.total_s:g}s retry budget is spent"
            raise TransientCrawlError(f"{error} ({spent})") from None
        raise
    raise AssertionError("unreachable: tenacity either returns or re-raises")


def crawl_links(
    links: Iterable[ParsedLink],
    user: UserDocument,
    dispatcher: CrawlerDispatcher,
    refresh: bool = False,
    retry: RetryPolicy | None = None,
    progress: bool = True,
) -> CrawlSummary:
    from tqdm import tqdm

    links = list(links)
    summary = CrawlSummary()
    budget = RetryBudget((retry or RetryPolicy()).max_total_wait_s)
    # disable=None: tqdm's own rule, no bar when stderr is not a terminal (piped logs stay clean)
    bar = tqdm(links, desc="Crawling links", unit="link", disable=None if progress else True)
    for link in bar:
        bar.set_postfix_str(link.domain)
        result = crawl_link(dispatcher, link, user, refresh=refresh, retry=retry, budget=budget)
        summary.results.append(result)
        reason = f": {result.reason}" if result.reason else ""
        # DEBUG: the run's summary prints each failure once, at the end.
        logger.debug("{} [{}] {}{}", result.outcome.value, result.crawler, result.link, reason)
    return summary
