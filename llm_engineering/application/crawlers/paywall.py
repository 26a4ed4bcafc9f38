"""Paywalls: metered banners are dropped from a body, truncated member/subscriber previews are not articles.

Decided by general signals, not per-site rules: explicit "keep reading" prompts, the page marking itself as
not free (schema.org `isAccessibleForFree`, a member-only label), and a body much shorter than the reading
time the page itself announces.
"""

from __future__ import annotations

import json
import re

from bs4 import BeautifulSoup

from llm_engineering.application.crawlers.errors import PaywalledPreview

# Counters and nudges shown on pages whose full text is present: drop the block, keep the article.
_METERED_BANNER = re.compile(
    r"you have \d+ free (member[- ]only )?(stor(y|ies)|articles?|reads?) left"
    r"|you['’]ve read (all )?(your )?\d* ?free (member[- ]only )?(stor(y|ies)|articles?)"
    r"|this is your (last|final) free (member[- ]only )?(story|article)"
    r"|sign up for medium and get an extra one"
    r"|get an extra (free )?(story|article) (when|if) you sign up",
    re.IGNORECASE,
)
# A banner is a short block; a long paragraph that happens to quote one is content.
_BANNER_MAX_CHARS = 300
# Prompts that only stand where the rest of the text is withheld.
_PREVIEW_PROMPTS = re.compile(
    r"this (post|story|article|essay|issue|episode) is (only )?(for|available to) (paid |paying )?"
    r"(subscribers|members)"
    r"|keep reading with a \d+[- ]day free trial"
    r"|(subscribe|upgrade|sign up|log ?in|sign in|become a (paid )?(member|subscriber)) to (keep|continue) reading"
    r"|(subscribe|upgrade|become a (paid )?(member|subscriber)) to (read|unlock) (the (full|rest of the)|this)"
    r"|to (continue|keep) reading,? (please )?(subscribe|log ?in|sign in|sign up|become)"
    r"|the rest of this (post|story|article) is (only )?(for|available to) "
    r"|the author made this story available to (medium )?members only"
    r"|(create an account|sign up|become a member|upgrade) to read the (full|whole|rest of the) (story|article|post)"
    r"|read the (full|whole) (story|article|post) with a free account"
    r"|this content is (only )?(for|available to) (paid )?(members|subscribers)( only)?",
    re.IGNORECASE,
)
_MEMBER_ONLY_LABEL = re.compile(
    r"^\s*(member[- ]only story|paid (subscribers|members) only|subscriber[- ]only)\s*$", re.IGNORECASE
)
_READING_TIME = re.compile(r"\b(\d{1,3})\s*min(ute)?s?\s+read\b", re.IGNORECASE)
# Slow readers: a page announcing N minutes holds at least this many words per minute of full text.
_WORDS_PER_MINUTE = 200
# A body under this share of the announced length is a preview.
_TRUNCATED_SHARE = 0.5


def is_banner(block: str) -> bool:
    return len(block) <= _BANNER_MAX_CHARS and bool(_METERED_BANNER.search(block))


def strip_banners(text: str) -> str:
    """The body without its metered-paywall banner blocks (blank-line separated); otherwise unchanged."""
    pieces = re.split(r"(\n\s*\n)", text)  # blocks at even indexes, their separators between
    if not any(is_banner(block.strip()) for block in pieces[::2]):
        return text
    kept = [block for block in pieces[::2] if not is_banner(block.strip())]
    return "\n\n".join(block for block in kept if block.strip()).strip()


def visible_text(soup: BeautifulSoup) -> str:
    """The page's readable text: no scripts, styles or templates (their strings are not shown)."""
    body = soup.body or soup
    parts = [
        str(string)
        for string in body.find_all(string=True)
        if string.parent is not None and string.parent.name not in ("script", "style", "noscript", "template")
    ]
    return " ".join(" ".join(parts).split())


def marked_not_free(soup: BeautifulSoup) -> bool:
    """The page says it is paid content: schema.org `isAccessibleForFree: false` or a member-only label."""
    for script in soup.find_all("script", attrs={"type": "application/ld+json"}):
        if _says_not_free(script.string or ""):
            return True
    meta = soup.find("meta", attrs={"property": "article:content_tier"})
    if meta is not None and str(meta.get("content", "")).lower() in ("locked", "metered"):
        return True
    return any(_MEMBER_ONLY_LABEL.match(str(s)) for s in soup.find_all(string=_MEMBER_ONLY_LABEL))


def _says_not_free(ld_json: str) -> bool:
    try:
        data = json.loads(ld_json)
    except ValueError:
        return bool(re.search(r'"isAccessibleForFree"\s*:\s*"?false', ld_json, re.IGNORECASE))
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            value = item.get("isAccessibleForFree")
            if value is False or str(value).lower() == "false":
                return True
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def announced_minutes(soup: BeautifulSoup, page_text: str) -> int | None:
    """The reading time the page announces for this article ("18 min read"), preferring its own metadata."""
    for name in ("twitter:data1", "twitter:label1", "reading_time"):
        meta = soup.find("meta", attrs={"name": name}) or soup.find("meta", attrs={"property": name})
        match = _READING_TIME.search(str(meta.get("content", ""))) if meta is not None else None
        if match:
            return int(match.group(1))
    match = _READING_TIME.search(page_text)
    return int(match.group(1)) if match else None


def preview_reason(soup: BeautifulSoup, body: str, page_text: str | None = None) -> str | None:
    """'paywalled preview (N characters)' when the extracted body is a truncated preview, else None.

    `page_text` is the page's visible text before a crawler trimmed the soup (headers hold reading times)."""
    page_text = page_text if page_text is not None else visible_text(soup)
    prompt = bool(_PREVIEW_PROMPTS.search(page_text))
    if not prompt and not marked_not_free(soup):
        return None
    minutes = announced_minutes(soup, page_text)
    if minutes:
        truncated = len(body.split()) < _TRUNCATED_SHARE * minutes * _WORDS_PER_MINUTE
    else:
        truncated = prompt  # the page withholds text and gives no length to compare with
    return f"paywalled preview ({len(body)} characters)" if truncated else None


def check_not_preview(soup: BeautifulSoup, body: str, page_text: str | None = None) -> None:
    reason = preview_reason(soup, body, page_text)
    if reason:
        raise PaywalledPreview(reason)
