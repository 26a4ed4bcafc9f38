"""Substack posts are rendered on the server: one GET, then the post's title, subtitle and body."""

from __future__ import annotations

from typing import Any

from bs4 import BeautifulSoup

from llm_engineering.application.crawlers.base import BaseCrawler
from llm_engineering.application.crawlers.errors import EmptyPage
from llm_engineering.application.crawlers.html_blocks import body_blocks, meta_content, page_language, strip_noise
from llm_engineering.application.crawlers.http_fetch import fetch_html
from llm_engineering.application.crawlers.links import ParsedLink
from llm_engineering.application.crawlers.page_checks import check_page
from llm_engineering.domain.documents import ArticleDocument


class SubstackCrawler(BaseCrawler):
    name = "substack"
    model = ArticleDocument

    def __init__(self, timeout_s: float = 20.0) -> None:
        self.timeout_s = timeout_s

    def extract(self, link: ParsedLink) -> dict[str, Any]:
        return parse_substack_html(fetch_html(link.url, self.timeout_s), platform=link.domain)


def parse_substack_html(html: str, platform: str) -> dict[str, Any]:
    soup = BeautifulSoup(html, "lxml")
    page_title = soup.title.get_text().strip() if soup.title else ""
    page_text = soup.body.get_text(" ") if soup.body else ""
    check_page(page_title, page_text, html, content=page_text)
    title_tag = soup.select_one("h1.post-title") or soup.find("h1")
    subtitle_tag = soup.select_one("h3.subtitle") or soup.select_one(".subtitle")
    body = soup.select_one("div.available-content") or soup.select_one("div.body.markup") or soup.find("article")
    if body is None:
        raise EmptyPage("no post body (div.available-content): not a Substack post page")
    strip_noise(body)
    content = "\n\n".join(body_blocks(body, skip=(title_tag, subtitle_tag)))
    check_page(page_title, page_text, html, content=content)
    title = " ".join(title_tag.get_text().split()) if title_tag else page_title
    subtitle = " ".join(subtitle_tag.get_text().split()) if subtitle_tag else meta_content(soup, "description")
    return {
        "platform": platform,
        "content": {"Title": title, "Subtitle": subtitle, "Content": content, "language": page_language(soup)},
    }
