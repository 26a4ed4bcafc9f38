"""Main-content extraction for any article page (trafilatura): the article's own text, none of the page around it.

Comments, navigation, footers, related links and share bars are dropped; headings, lists, tables and code
blocks come back as markdown. trafilatura is imported on first use: nothing heavy happens at import time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class MainContent:
    text: str  # markdown-ish body, "" when nothing article-like was found
    title: str | None = None
    description: str | None = None
    author: str | None = None
    date: str | None = None  # ISO date (YYYY-MM-DD)
    language: str | None = None

    def metadata_fields(self) -> dict[str, Any]:
        """The content-dict fields besides the body (None when the page does not say)."""
        return {"Author": self.author, "Date": self.date}


def extract_main_content(html: str, url: str | None = None) -> MainContent:
    """The page's main text and metadata; precision over recall, so page chrome stays out."""
    import trafilatura

    document = trafilatura.extract_with_metadata(
        html,
        url=url,
        output_format="markdown",
        favor_precision=True,
        include_comments=False,
        include_tables=True,
        include_formatting=True,
        include_links=False,
        include_images=False,
        deduplicate=False,
    )
    if document is None:
        return MainContent(text="", **_metadata_only(html, url))
    return MainContent(
        text=(document.text or "").strip(),
        title=_clean(document.title),
        description=_clean(document.description),
        author=_clean(document.author),
        date=_clean(document.date),
        language=_clean(document.language),
    )


def extract_page_metadata(html: str, url: str | None = None) -> MainContent:
    """Only the metadata (title, author, date, ...), for crawlers that extract the body themselves."""
    return MainContent(text="", **_metadata_only(html, url))


def _metadata_only(html: str, url: str | None) -> dict[str, str | None]:
    from trafilatura.metadata import extract_metadata

    metadata = extract_metadata(html, default_url=url)
    if metadata is None:
        return {}
    return {
        "title": _clean(metadata.title),
        "description": _clean(metadata.description),
        "author": _clean(metadata.author),
        "date": _clean(metadata.date),
        "language": _clean(metadata.language),
    }


def _clean(value: object) -> str | None:
    text = " ".join(str(value).split()) if value else ""
    return text or None
