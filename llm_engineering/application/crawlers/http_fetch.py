"""One GET for server-rendered pages, with errors sorted into transient (retried) and permanent."""

from __future__ import annotations

import httpx

from llm_engineering.application.crawlers.errors import TransientCrawlError, http_status_error

USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) MoodSwarm-crawler/0.1 (+https://github.com/moodswarm)"


def fetch_html(url: str, timeout_s: float) -> str:
    try:
        response = httpx.get(url, timeout=timeout_s, follow_redirects=True, headers={"User-Agent": USER_AGENT})
    except httpx.TimeoutException as error:
        raise TransientCrawlError(f"timed out after {timeout_s:g}s fetching {url} ({type(error).__name__})") from None
    except httpx.TransportError as error:
        raise TransientCrawlError(f"network error fetching {url}: {error or type(error).__name__}") from None
    if response.status_code >= 400:
        raise http_status_error(response.status_code, url)
    return response.text
