"""Refresh never loses a good copy: a new copy clearly worse than the stored one is not saved."""

from __future__ import annotations

from typing import Any

from llm_engineering.application.crawlers.errors import BlockedPage, EmptyPage, PaywalledPreview
from llm_engineering.domain.exceptions import CrawlError

# A new copy under this share of the stored one's length is a truncation, not an edit.
MIN_LENGTH_SHARE = 0.5
KEPT_PREFIX = "refresh kept the stored copy"
# Failures that say the new copy is a wall or a stub, not that the page is gone.
WORSE_COPY_ERRORS = (BlockedPage, EmptyPage, PaywalledPreview)


def content_chars(content: Any) -> int:
    """Characters of a content dict's text: the article body, or every file of a repository."""
    if isinstance(content, dict):
        body = content.get("Content")
        if isinstance(body, str):
            return len(body.strip())
        return sum(content_chars(value) for value in content.values())
    if isinstance(content, str):
        return len(content.strip())
    return 0


def truncated_reason(stored_content: Any, new_content: Any) -> str | None:
    stored, new = content_chars(stored_content), content_chars(new_content)
    if stored and new < MIN_LENGTH_SHARE * stored:
        return f"{KEPT_PREFIX}: new copy looks truncated ({new} vs {stored} characters)"
    return None


def kept_reason(error: CrawlError) -> str | None:
    """Why a failed re-crawl leaves the stored copy in place, or None for a real failure (HTTP 404, ...)."""
    if isinstance(error, WORSE_COPY_ERRORS):
        return f"{KEPT_PREFIX}: new copy is unusable ({error})"
    return None
