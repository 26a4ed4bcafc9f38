"""What every article crawler does once it has a body: walls and previews refused, banners dropped, fields built."""

from __future__ import annotations

from typing import Any

from bs4 import BeautifulSoup

from llm_engineering.application.crawlers.errors import EmptyPage
from llm_engineering.application.crawlers.html_blocks import page_language
from llm_engineering.application.crawlers.main_content import MainContent, extract_main_content, extract_page_metadata
from llm_engineering.application.crawlers.page_checks import check_page
from llm_engineering.application.crawlers.paywall import check_not_preview, strip_banners, visible_text

# Fewer words than this in a fallback extraction is page furniture, not an article.
MIN_FALLBACK_WORDS = 50


class ArticlePage:
    """One fetched or rendered page: its soup, title and visible text, checked for walls on creation."""

    def __init__(self, html: str, url: str | None = None, title: str = "") -> None:
        self.html = html
        self.url = url
        self.soup = BeautifulSoup(html, "lxml")
        tag_title = self.soup.title.get_text().strip() if self.soup.title else ""
        self.title = (title or tag_title).strip()
        self.text = visible_text(self.soup)
        check_page(self.title, self.text, html, content=self.text)  # bot checks and error pages first
        self._main: MainContent | None = None
        self._metadata: MainContent | None = None

    @property
    def main(self) -> MainContent:
        """The page's main content and metadata (trafilatura), extracted once."""
        if self._main is None:
            self._main = extract_main_content(self.html, self.url)
        return self._main

    @property
    def metadata(self) -> MainContent:
        """Title, description, author, date, language: from the main extraction when it ran, else on their own
        (cheaper: platforms with their own body selectors only need these)."""
        if self._main is not None:
            return self._main
        if self._metadata is None:
            self._metadata = extract_page_metadata(self.html, self.url)
        return self._metadata

    def main_content_fields(self, platform: str, missing: str) -> dict[str, Any]:
        """The fallback when a platform's selectors found no body (`missing` says which): the main content, if
        it reads like an article (a directory listing or an app shell does not)."""
        main = self.main
        words = len(main.text.split())
        if words < MIN_FALLBACK_WORDS:
            raise EmptyPage(f"{missing} and no article-like main content ({words} words): not a story page")
        return self.fields(platform, main.text, title=main.title, subtitle=main.description)

    def fields(self, platform: str, body: str, title: str | None, subtitle: str | None) -> dict[str, Any]:
        """The document fields, or a `CrawlError` for an empty body or a paywalled preview."""
        content = strip_banners(body)
        check_page(self.title, self.text, self.html, content=content)
        check_not_preview(self.soup, content, self.text)
        main = self.metadata
        return {
            "platform": platform,
            "content": {
                "Title": title or main.title or self.title or None,
                "Subtitle": subtitle or main.description,
                "Content": content,
                "language": page_language(self.soup) or main.language,
                **main.metadata_fields(),
            },
        }
