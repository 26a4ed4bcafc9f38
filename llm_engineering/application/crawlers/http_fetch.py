"""One GET for server-rendered pages, with errors sorted into transient (retried) and permanent.

Every hop of a redirect chain is checked against the run's network policy before it is requested.
"""

from __future__ import annotations

import httpx

from llm_engineering.application.crawlers.errors import BlockedPage, TransientCrawlError, http_status_error
from llm_engineering.application.crawlers.network import NetworkPolicy
from llm_engineering.application.crawlers.page_checks import bot_check_reason
from llm_engineering.domain.exceptions import CrawlError

USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) MoodSwarm-crawler/0.1 (+https://github.com/moodswarm)"
MAX_REDIRECTS = 10


def fetch_html(url: str, timeout_s: float, network: NetworkPolicy | None = None) -> str:
    policy = network or NetworkPolicy()

    def check_request(request: httpx.Request) -> None:
        policy.check(str(request.url))

    client = httpx.Client(
        timeout=timeout_s,
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        headers={"User-Agent": USER_AGENT},
        event_hooks={"request": [check_request]},
    )
    try:
        with client:
            response = client.get(url)
    except httpx.TimeoutException as error:
        raise TransientCrawlError(f"timed out after {timeout_s:g}s fetching {url} ({type(error).__name__})") from None
    except httpx.TooManyRedirects:
        raise CrawlError(f"more than {MAX_REDIRECTS} redirects fetching {url}") from None
    except httpx.TransportError as error:
        raise TransientCrawlError(f"network error fetching {url}: {error or type(error).__name__}") from None
    if response.status_code >= 400:
        reason = _bot_check(response) if response.status_code in (403, 429, 503) else None
        raise BlockedPage(reason) if reason else http_status_error(response.status_code, url)
    return response.text


def _bot_check(response: httpx.Response) -> str | None:
    """Challenge pages (Cloudflare's "Just a moment...") answer 403/503: name them as bot checks."""
    if "html" not in response.headers.get("content-type", ""):
        return None
    from bs4 import BeautifulSoup

    from llm_engineering.application.crawlers.paywall import visible_text

    soup = BeautifulSoup(response.text, "lxml")
    title = soup.title.get_text() if soup.title else ""
    return bot_check_reason(title, visible_text(soup), response.text)
