"""Medium stories through a real headless browser: the body is often inserted by JavaScript and lazy-loaded."""

from __future__ import annotations

import re
from typing import Any

from bs4 import BeautifulSoup

from llm_engineering.application.crawlers.article_page import ArticlePage
from llm_engineering.application.crawlers.base import BaseCrawler
from llm_engineering.application.crawlers.browser import BrowserSession
from llm_engineering.application.crawlers.errors import BlockedPage, TransientCrawlError, http_status_error
from llm_engineering.application.crawlers.html_blocks import body_blocks, strip_noise
from llm_engineering.application.crawlers.links import ParsedLink
from llm_engineering.application.crawlers.network import NetworkPolicy
from llm_engineering.application.crawlers.page_checks import BOT_CHECK_PHRASES, bot_check_reason
from llm_engineering.application.crawlers.paywall import visible_text
from llm_engineering.domain.documents import ArticleDocument
from llm_engineering.domain.exceptions import CrawlError

# Chromium network errors that say nothing about the page itself: worth a retry.
_TRANSIENT_NET_ERRORS = (
    "ERR_CONNECTION_REFUSED", "ERR_CONNECTION_RESET", "ERR_CONNECTION_CLOSED", "ERR_TIMED_OUT", "ERR_NETWORK_CHANGED",
    "ERR_EMPTY_RESPONSE", "ERR_CONNECTION_TIMED_OUT", "ERR_INTERNET_DISCONNECTED",
)  # fmt: skip

# Resolves once the story's <article> has text, the navigation failed, the page is a bot check, or time is up.
_WAIT_FOR_CONTENT_JS = """
const [maxMs, phrases, done] = arguments;
const started = performance.now();
(function check() {
  const article = document.querySelector('article');
  const articleChars = article ? article.innerText.trim().length : 0;
  const nav = performance.getEntriesByType('navigation')[0];
  const status = nav && nav.responseStatus ? nav.responseStatus : null;
  const title = document.title.toLowerCase();
  const text = document.body ? document.body.innerText.toLowerCase() : '';
  const blocked = phrases.some(p => title.includes(p) || (text.length < 1500 && text.includes(p)));
  const failed = location.href.startsWith('chrome-error://');
  if (articleChars > 0 || (status && status >= 400) || blocked || failed || performance.now() - started >= maxMs) {
    return done({status: status, article: articleChars, href: location.href});
  }
  setTimeout(check, 10);
})();
"""
# Scrolls to the bottom until the page stops growing, inside the page (no round trip per step). A step ends as
# soon as the page grows, or once nothing is pending (requests, short timers: see ACTIVITY_TRACKER_JS) and the
# DOM has been quiet for quietMs, or after stepMs. Resolves with the number of steps that made the page grow.
_SCROLL_TO_END_JS = """
const [quietMs, stepMs, maxMs, maxSteps, done] = arguments;
const activity = window.__moodswarmActivity || {pending: 0, lastChange: 0};
const started = performance.now();
let grew = 0;
(function step() {
  const stepStarted = performance.now();
  const before = document.body.scrollHeight;
  window.scrollTo(0, before);
  // Scroll events are dispatched with the next rendering update: judge quietness only once the page's own
  // scroll handlers have run (on a busy machine that can take longer than the quiet window).
  requestAnimationFrame(() => requestAnimationFrame(check));
  function check() {
    const now = performance.now();
    if (document.body.scrollHeight > before) {
      grew++;
      return grew >= maxSteps || now - started >= maxMs ? done(grew) : step();
    }
    const quiet = activity.pending === 0 && now - Math.max(stepStarted, activity.lastChange) >= quietMs;
    if (quiet || now - stepStarted >= stepMs || now - started >= maxMs) return done(grew);
    setTimeout(check, 5);
  }
})();
"""


class MediumCrawler(BaseCrawler):
    name = "medium"
    model = ArticleDocument

    def __init__(
        self,
        browser: BrowserSession | None = None,
        *,
        content_wait_s: float = 10.0,
        scroll_quiet_s: float = 0.03,
        scroll_pause_s: float = 3.0,
        max_scroll_s: float = 20.0,
        max_scrolls: int = 60,
        page_load_timeout_s: float = 30.0,
        network: NetworkPolicy | None = None,
        chromium_arguments: tuple[str, ...] = (),
    ) -> None:
        self.network = network or NetworkPolicy()
        self.browser = browser or BrowserSession(
            page_load_timeout_s=page_load_timeout_s, extra_arguments=chromium_arguments, network=self.network
        )
        self._owns_browser = browser is None
        self.content_wait_s = content_wait_s
        self.scroll_quiet_s = scroll_quiet_s
        self.scroll_pause_s = scroll_pause_s
        self.max_scroll_s = max_scroll_s
        self.max_scrolls = max_scrolls

    def close(self) -> None:
        if self._owns_browser:
            self.browser.close()

    def extract(self, link: ParsedLink) -> dict[str, Any]:
        from selenium.common.exceptions import TimeoutException, WebDriverException

        self.network.check(link)
        self.browser.network = self.network  # a shared browser's redirect hops obey this crawler's run
        driver = self.browser.driver
        self.browser.take_refusal()  # forget what an earlier page's late navigation was refused
        try:
            driver.get(link.url)
            state = self._wait_for_content(driver)
            if refusal := self.browser.take_refusal():
                raise refusal  # a redirect hop into a private network: never requested
            landed = str(state.get("href", ""))
            if landed.startswith(("http://", "https://")) and landed != link.url:
                self.network.check(landed)  # a redirect may not lead the browser into a private network
            if str(state.get("href", "")).startswith("chrome-error://"):
                raise _network_error(driver.execute_script(_ERROR_CODE_JS) or "", link.url)
            if state["status"] and state["status"] >= 400:
                # A challenge page answers 403/503: say it is a bot check, not just a status.
                reason = bot_check_reason(driver.title, visible_text(BeautifulSoup(driver.page_source, "lxml")))
                raise BlockedPage(reason) if reason else http_status_error(int(state["status"]), link.url)
            self._scroll_to_end(driver)
            html, title = driver.page_source, driver.title
        except TimeoutException:
            raise TransientCrawlError(f"page load timed out after {self.browser.page_load_timeout_s:g}s") from None
        except WebDriverException as error:
            if refusal := self.browser.take_refusal():
                raise refusal from None
            message = error.msg or str(error)
            if any(code in message for code in _TRANSIENT_NET_ERRORS):
                raise TransientCrawlError(f"network error: {message.splitlines()[0]}") from None
            if "net::ERR_" not in message:
                self.browser.close()  # the browser itself broke: the next link gets a fresh one
            raise CrawlError(f"browser error: {message.splitlines()[0] if message else type(error).__name__}") from None
        return parse_medium_html(html, title, url=link.url)

    def _wait_for_content(self, driver: Any) -> dict[str, Any]:
        """Until the story's <article> has text, the page is a bot check or an error, or the wait is over."""
        return driver.execute_async_script(_WAIT_FOR_CONTENT_JS, int(self.content_wait_s * 1000), BOT_CHECK_PHRASES)

    def _scroll_to_end(self, driver: Any) -> int:
        """Scroll to the bottom until the page stops growing (lazy loading), bounded in time and steps.

        A step ends as soon as the page grows, or once no request or short timer is pending and the DOM has
        been quiet for `scroll_quiet_s` (at most `scroll_pause_s`). Returns how many steps made the page grow.
        """
        if self.max_scrolls <= 0:
            return 0
        return int(
            driver.execute_async_script(
                _SCROLL_TO_END_JS,
                int(self.scroll_quiet_s * 1000),
                int(self.scroll_pause_s * 1000),
                int(self.max_scroll_s * 1000),
                self.max_scrolls,
            )
        )


_ERROR_CODE_JS = """
const code = document.querySelector('.error-code');
return code ? code.textContent : (document.body ? document.body.innerText : '');
"""


def _network_error(error_text: str, url: str) -> CrawlError:
    """Headless Chromium shows its own error page instead of raising: read the net::ERR_ code from it."""
    match = re.search(r"\b(ERR_[A-Z_]+)\b", error_text)
    code = match.group(1) if match else "unknown network error"
    error_class = TransientCrawlError if code in _TRANSIENT_NET_ERRORS else CrawlError
    return error_class(f"network error: {code} loading {url}")


def parse_medium_html(html: str, title: str = "", url: str | None = None) -> dict[str, Any]:
    """Title, subtitle and body of a rendered Medium story (the page's navigation is left out).

    When the story selectors find no body (a custom-domain or redesigned page), the main-content extraction
    used for any article page takes over.
    """
    page = ArticlePage(html, url, title=title)
    article = page.soup.find("article")
    blocks: list[str] = []
    title_tag = subtitle_tag = None
    if article is not None:
        title_tag = article.select_one("h1.pw-post-title") or article.find("h1")
        subtitle_tag = article.select_one(".pw-subtitle-paragraph")
        if subtitle_tag is None and title_tag is not None:
            subtitle_tag = title_tag.find_next_sibling("h2")
        strip_noise(article)
        blocks = body_blocks(article, skip=(title_tag, subtitle_tag))
    if not blocks:
        return page.main_content_fields(
            "medium", "no <article> element" if article is None else "no story body in <article>"
        )
    story_title = " ".join(title_tag.get_text().split()) if title_tag else None
    subtitle = " ".join(subtitle_tag.get_text().split()) if subtitle_tag else None
    return page.fields("medium", "\n\n".join(blocks), title=story_title, subtitle=subtitle)
