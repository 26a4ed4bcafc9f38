"""One headless Chromium (Debian's, driver path given, nothing downloaded) shared by a crawl run.

The browser starts on first use and `close()` always quits it; a crawl run wraps its links in
`with BrowserSession(...)` so one browser serves every link. Its page's navigations, redirect hops included,
obey `network` (see navigation_guard.py): a refused one is never requested.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from loguru import logger

from llm_engineering.application.crawlers.navigation_guard import NavigationGuard
from llm_engineering.application.crawlers.network import NetworkPolicy
from llm_engineering.domain.exceptions import CrawlError, ImproperlyConfigured
from llm_engineering.settings import get_settings

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

CHROMIUM_ARGUMENTS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-extensions",
    "--mute-audio",
    "--window-size=1280,900",
)


# Installed in every page before its own scripts: counts the page's pending work (fetch/XHR requests and short
# timers, the usual ways lazy loaders defer content) and remembers when the DOM last changed, so a crawler can
# tell "still loading" from "done" without long fixed sleeps.
ACTIVITY_TRACKER_JS = """
(() => {
  if (window.__moodswarmActivity) return;
  const state = window.__moodswarmActivity = {pending: 0, lastChange: performance.now()};
  const touch = () => { state.lastChange = performance.now(); };
  if (window.fetch) {
    const originalFetch = window.fetch;
    window.fetch = function () {
      state.pending++; touch();
      return originalFetch.apply(this, arguments).finally(() => { state.pending--; touch(); });
    };
  }
  const originalSend = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function () {
    state.pending++; touch();
    this.addEventListener('loadend', () => { state.pending--; touch(); });
    return originalSend.apply(this, arguments);
  };
  // Only one-shot timers of up to a second count: long timers and intervals are analytics and clocks.
  const shortTimers = new Set();
  const originalSetTimeout = window.setTimeout, originalClearTimeout = window.clearTimeout;
  window.setTimeout = function (callback, delay) {
    const rest = Array.prototype.slice.call(arguments, 2);
    if (typeof callback !== 'function' || Number(delay) > 1000) return originalSetTimeout.apply(window, arguments);
    let id;
    const run = function () {
      if (shortTimers.delete(id)) state.pending--;
      return callback.apply(this, rest);
    };
    id = originalSetTimeout.call(window, run, delay);
    shortTimers.add(id); state.pending++;
    return id;
  };
  window.clearTimeout = function (id) {
    if (shortTimers.delete(id)) state.pending--;
    return originalClearTimeout.call(window, id);
  };
  new MutationObserver(touch).observe(document, {childList: true, subtree: true, characterData: true});
})();
"""


class BrowserSession:
    def __init__(
        self,
        page_load_timeout_s: float = 30.0,
        extra_arguments: tuple[str, ...] = (),
        network: NetworkPolicy | None = None,
    ) -> None:
        self.page_load_timeout_s = page_load_timeout_s
        self.extra_arguments = extra_arguments  # e.g. tests keep Chromium off the internet with resolver rules
        self.network = network or NetworkPolicy()  # read for every navigation: a crawler sets its own run's
        self._driver: WebDriver | None = None
        self._guard: NavigationGuard | None = None
        self._profile_dir: str | None = None
        self.starts = 0  # how many browsers this session launched (the benchmark and tests read it)

    @property
    def driver(self) -> WebDriver:
        if self._driver is not None and not (self._guard and self._guard.alive):
            logger.warning("The browser's navigation guard stopped: restarting the browser")
            self.close()  # never navigate unguarded
        if self._driver is None:
            self._driver = self._start()
        return self._driver

    @property
    def running(self) -> bool:
        return self._driver is not None

    def _start(self) -> WebDriver:
        settings = get_settings()
        required = {"CHROMIUM_BINARY": settings.CHROMIUM_BINARY, "CHROMEDRIVER_PATH": settings.CHROMEDRIVER_PATH}
        for setting, path in required.items():
            if not Path(path).is_file():
                raise ImproperlyConfigured(f"{setting}={path} does not exist: install chromium and chromium-driver")
        os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must never download a driver
        from selenium import webdriver
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.chrome.service import Service

        self._profile_dir = tempfile.mkdtemp(prefix="moodswarm-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = str(settings.CHROMIUM_BINARY)
        for argument in (*CHROMIUM_ARGUMENTS, *self.extra_arguments, f"--user-data-dir={self._profile_dir}"):
            options.add_argument(argument)
        options.page_load_strategy = "eager"  # DOM ready is enough: we wait for the content ourselves
        try:
            driver = webdriver.Chrome(service=Service(executable_path=str(settings.CHROMEDRIVER_PATH)), options=options)
        except WebDriverException as error:
            self._remove_profile()
            raise CrawlError(f"Chromium did not start: {error.msg or error}") from None
        try:
            # Set up before the page-load timeout applies: a just-started renderer can be slower than a short
            # timeout meant for pages, and setup is not a page load.
            driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": ACTIVITY_TRACKER_JS})
            driver.set_script_timeout(60)
            driver.set_page_load_timeout(self.page_load_timeout_s)
            debugger_address = driver.capabilities["goog:chromeOptions"]["debuggerAddress"]
            self._guard = NavigationGuard(debugger_address, lambda: self.network)
        except (WebDriverException, CrawlError, OSError, KeyError) as error:
            driver.quit()
            self._remove_profile()
            detail = getattr(error, "msg", None) or error
            raise CrawlError(f"Chromium started but could not be set up: {detail}") from None
        self.starts += 1
        logger.debug("Started headless Chromium (profile {})", self._profile_dir)
        return driver

    def take_refusal(self) -> CrawlError | None:
        """The last navigation of the page that the network policy refused (then forgotten), if any."""
        return self._guard.take_refusal() if self._guard else None

    def close(self) -> None:
        driver, self._driver = self._driver, None
        guard, self._guard = self._guard, None
        try:
            if driver is not None:
                driver.quit()
            if guard is not None:
                guard.close()
        except Exception as error:  # quitting must never hide the crawl's own outcome
            logger.warning("Chromium did not quit cleanly: {}", error)
        finally:
            self._remove_profile()

    def _remove_profile(self) -> None:
        if self._profile_dir:
            shutil.rmtree(self._profile_dir, ignore_errors=True)
            self._profile_dir = None

    def __enter__(self) -> BrowserSession:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
