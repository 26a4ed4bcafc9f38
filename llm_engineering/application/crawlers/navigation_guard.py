"""Holds every document request of the browser's page, redirect hops included, until the network policy allows it.

Chromium follows redirects on its own, so checking the address it lands on comes too late: the hop into a
private network has already been requested. Through the page's DevTools connection (the Fetch domain, paused at
the request stage for Document requests only) each hop is checked before it is sent; a refused one fails with
ERR_BLOCKED_BY_CLIENT and the refusal is kept for the crawler to report. Sub-resources are not held (no cost).
"""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Callable
from typing import Any

from loguru import logger

from llm_engineering.application.crawlers.network import NetworkPolicy
from llm_engineering.domain.exceptions import CrawlError

_HOLD_DOCUMENTS = {"patterns": [{"urlPattern": "*", "resourceType": "Document", "requestStage": "Request"}]}
_CONNECT_TIMEOUT_S = 10.0


class NavigationGuard:
    """Started once per browser; `policy()` is read for every request, so one browser can serve runs with
    different policies. `take_refusal()` returns (and forgets) the main frame's last refused navigation."""

    def __init__(self, debugger_address: str, policy: Callable[[], NetworkPolicy]) -> None:
        import websocket  # Selenium's own dependency; imported here so nothing connects at import time

        self._policy = policy
        self._send_lock = threading.Lock()
        self._refusal: CrawlError | None = None
        self._refusal_lock = threading.Lock()
        page = _page_target(debugger_address)
        self._main_frame_id = page["id"]  # a page target's id is its main frame's id
        self._socket = websocket.create_connection(
            page["webSocketDebuggerUrl"], timeout=_CONNECT_TIMEOUT_S, suppress_origin=True
        )
        try:
            self._send(1, "Fetch.enable", _HOLD_DOCUMENTS)
            reply = json.loads(self._socket.recv())  # nothing else arrives before Fetch is on
            if reply.get("id") != 1 or "error" in reply:
                raise CrawlError(f"Chromium refused to guard navigations: {reply.get('error') or reply}")
            self._socket.settimeout(None)
        except Exception:
            self._socket.close()
            raise
        self._thread = threading.Thread(target=self._serve, name="navigation-guard", daemon=True)
        self._thread.start()

    @property
    def alive(self) -> bool:
        """False once the DevTools connection is gone: Chromium then stops holding requests, so navigating
        further would be unguarded."""
        return self._thread.is_alive()

    def take_refusal(self) -> CrawlError | None:
        with self._refusal_lock:
            refusal, self._refusal = self._refusal, None
        return refusal

    def close(self) -> None:
        try:
            self._socket.close()
        except Exception as error:  # closing must never hide the crawl's own outcome
            logger.debug("Navigation guard did not close cleanly: {}", error)
        self._thread.join(timeout=2)

    def _serve(self) -> None:
        while True:
            try:
                message = json.loads(self._socket.recv())
            except Exception:  # the browser quit or the connection broke: `alive` turns false
                return
            if message.get("method") == "Fetch.requestPaused":
                self._decide(message["params"])

    def _decide(self, paused: dict[str, Any]) -> None:
        url = str(paused["request"]["url"])
        refusal = self._check(url)
        if refusal is None:
            self._send(0, "Fetch.continueRequest", {"requestId": paused["requestId"]})
            return
        logger.warning("Browser navigation refused: {}", refusal)
        if paused.get("frameId") == self._main_frame_id:
            with self._refusal_lock:
                self._refusal = refusal
        self._send(0, "Fetch.failRequest", {"requestId": paused["requestId"], "errorReason": "BlockedByClient"})

    def _check(self, url: str) -> CrawlError | None:
        if not url.lower().startswith(("http://", "https://")):
            return None  # data:, blob: and about: documents reach no network
        try:
            self._policy().check(url)
        except CrawlError as error:
            return error
        except Exception as error:  # an address we cannot judge is not requested
            return CrawlError(f"refused {url}: its address could not be checked ({error})")
        return None

    def _send(self, message_id: int, method: str, params: dict[str, Any]) -> None:
        with self._send_lock:
            self._socket.send(json.dumps({"id": message_id, "method": method, "params": params}))


def _page_target(debugger_address: str) -> dict[str, Any]:
    """The browser's one page (the tab WebDriver drives), from the DevTools HTTP endpoint on loopback."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via an HTTP proxy
    with opener.open(f"http://{debugger_address}/json/list", timeout=_CONNECT_TIMEOUT_S) as response:
        targets = json.load(response)
    pages = [target for target in targets if target.get("type") == "page"]
    if len(pages) != 1:
        raise CrawlError(f"expected one browser page to guard, found {len(pages)}")
    return pages[0]
