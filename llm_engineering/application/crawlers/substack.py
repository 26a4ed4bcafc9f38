"""Substack posts are rendered on the server: one GET, then the post's title, subtitle and body.

When the post selectors find nothing (a redesigned or custom page), the main-content extraction used for
any article page takes over.
"""

from __future__ import annotations

from typing import Any

from llm_engineering.application.crawlers.article_page import ArticlePage
from llm_engineering.application.crawlers.base import BaseCrawler
from llm_engineering.application.crawlers.html_blocks import body_blocks, meta_content, strip_noise
from llm_engineering.application.crawlers.http_fetch import fetch_html
from llm_engineering.application.crawlers.links import ParsedLink
from llm_engineering.application.crawlers.network import NetworkPolicy
from llm_engineering.domain.documents import ArticleDocument


class SubstackCrawler(BaseCrawler):
    name = "substack"
    model = ArticleDocument

    def __init__(self, timeout_s: float = 20.0, network: NetworkPolicy | None = None) -> None:
        self.timeout_s = timeout_s
        self.network = network or NetworkPolicy()

    def extract(self, link: ParsedLink) -> dict[str, Any]:
        self.network.check(link)
        html = fetch_html(link.url, self.timeout_s, self.network)
        return parse_substack_html(html, platform=link.domain, url=link.url)


def parse_substack_html(html: str, platform: str, url: str | None = None) -> dict[str, Any]:
    page = ArticlePage(html, url)
    soup = page.soup
    title_tag = soup.select_one("h1.post-title") or soup.find("h1")
    subtitle_tag = soup.select_one("h3.subtitle") or soup.select_one(".subtitle")
    body = soup.select_one("div.available-content") or soup.select_one("div.body.markup") or soup.find("article")
    blocks: list[str] = []
    if body is not None:
        strip_noise(body)
        blocks = body_blocks(body, skip=(title_tag, subtitle_tag))
    if not blocks:  # not the post layout we know: the generic main content
        return page.main_content_fields(platform, "no post body (div.available-content)")
    title = " ".join(title_tag.get_text().split()) if title_tag else None
    subtitle = " ".join(subtitle_tag.get_text().split()) if subtitle_tag else meta_content(soup, "description")
    return page.fields(platform, "\n\n".join(blocks), title=title, subtitle=subtitle)
