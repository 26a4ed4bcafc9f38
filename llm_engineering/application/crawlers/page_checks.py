"""Recognise pages that must never be saved as content: bot checks, error pages, empty bodies."""

from __future__ import annotations

import re

from llm_engineering.application.crawlers.errors import BlockedPage, EmptyPage

# Phrases of interstitials (Cloudflare, captcha walls, generic "are you a robot" pages).
BOT_CHECK_PHRASES = (
    "just a moment",
    "verify you are human",
    "verifying you are human",
    "checking your browser",
    "checking if the site connection is secure",
    "attention required",
    "are you a robot",
    "are you human",
    "complete the security check",
    "enable javascript and cookies to continue",
    "press & hold",
    "please complete the captcha",
)
# Markup that only challenge pages carry.
BOT_CHECK_MARKERS = ("cdn-cgi/challenge-platform", "cf-chl-", "cf_chl_", "g-recaptcha", "h-captcha", "cf-turnstile")
# A long article may *mention* captchas; only short pages are judged by their text.
SHORT_PAGE_CHARS = 1500
MIN_CONTENT_CHARS = 40

_ERROR_TITLE = re.compile(
    r"^(error\s*)?([45]\d\d(\s.*)?|(page\s+)?not\s+found|internal\s+server\s+error|bad\s+gateway|service\s+unavailable"
    r"|forbidden|access\s+denied|server\s+error|something\s+went\s+wrong)$"
)
_TITLE_SEPARATORS = re.compile(r"\s+[|\-–—:·]\s+")


def bot_check_reason(title: str, text: str, html: str = "") -> str | None:
    """Why this page looks like a bot check, or None."""
    lowered_title = title.strip().lower()
    for phrase in BOT_CHECK_PHRASES:
        if phrase in lowered_title:
            return f"bot check page (title {title.strip()!r})"
    lowered_html = html.lower()
    short = len(text.strip()) < SHORT_PAGE_CHARS
    if short:
        lowered_text = " ".join(text.lower().split())
        for phrase in BOT_CHECK_PHRASES:
            if phrase in lowered_text:
                return f"bot check page (says {phrase!r})"
        for marker in BOT_CHECK_MARKERS:
            if marker in lowered_html:
                return f"bot check page (challenge markup {marker!r})"
    return None


def error_page_reason(title: str) -> str | None:
    """Why the title says this is an error page ('404 Not Found', 'Page not found | Site'), or None."""
    for part in _TITLE_SEPARATORS.split(title.strip().lower()):
        if part and _ERROR_TITLE.match(part.strip()):
            return f"error page (title {title.strip()!r})"
    return None


def check_page(title: str, text: str, html: str = "", content: str | None = None) -> None:
    """Raise `BlockedPage` / `EmptyPage` for a page that is not real content.

    `text` is the page's visible text, `content` what the crawler extracted as the body (defaults to `text`).
    """
    reason = bot_check_reason(title, text, html)
    if reason:
        raise BlockedPage(reason)
    reason = error_page_reason(title)
    if reason and len(text.strip()) < SHORT_PAGE_CHARS:
        raise EmptyPage(reason)
    body = (content if content is not None else text).strip()
    if len(body) < MIN_CONTENT_CHARS:
        raise EmptyPage(f"empty body ({len(body)} characters of content)")
