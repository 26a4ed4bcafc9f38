"""Any other article page: one GET, then its main content (trafilatura) as markdown, nothing around it."""

from __future__ import annotations

from typing import Any

from llm_engineering.application.crawlers.article_page import ArticlePage
from llm_engineering.application.crawlers.base import BaseCrawler
from llm_engineering.application.crawlers.http_fetch import fetch_html
from llm_engineering.application.crawlers.links import ParsedLink
from llm_engineering.application.crawlers.network import NetworkPolicy
from llm_engineering.domain.documents import ArticleDocument


class CustomArticleCrawler(BaseCrawler):
    name = "custom"
    model = ArticleDocument

    def __init__(self, timeout_s: float = 20.0, network: NetworkPolicy | None = None) -> None:
        self.timeout_s = timeout_s
        self.network = network or NetworkPolicy()

    def extract(self, link: ParsedLink) -> dict[str, Any]:
        self.network.check(link)
        return parse_article_html(fetch_html(link.url, self.timeout_s, self.network), link.url, platform=link.domain)


def parse_article_html(html: str, url: str | None, platform: str) -> dict[str, Any]:
    page = ArticlePage(html, url)
    main = page.main
    return page.fields(platform, main.text, title=main.title, subtitle=main.description)
