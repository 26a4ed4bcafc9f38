"""Any other article page: LangChain's AsyncHtmlLoader fetches it, Html2TextTransformer turns it into markdown."""

from __future__ import annotations

import os
import warnings
from collections.abc import AsyncIterator
from typing import Any

from llm_engineering.application.crawlers.base import BaseCrawler
from llm_engineering.application.crawlers.errors import TransientCrawlError, http_status_error
from llm_engineering.application.crawlers.http_fetch import USER_AGENT
from llm_engineering.application.crawlers.links import ParsedLink
from llm_engineering.application.crawlers.page_checks import check_page
from llm_engineering.domain.documents import ArticleDocument
from llm_engineering.domain.exceptions import CrawlError


def _transformer() -> Any:
    """LangChain's Html2TextTransformer, without hard line wrapping.

    html2text wraps at 78 columns by default and breaks hyphenated words across lines ("Long-\nrunning"),
    which would change the text the feature pipeline chunks and embeds.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import html2text
        from langchain_community.document_transformers import Html2TextTransformer
        from langchain_core.documents import Document

    class UnwrappedHtml2TextTransformer(Html2TextTransformer):
        def transform_documents(self, documents: Any, **kwargs: Any) -> list[Document]:
            converter = html2text.HTML2Text()
            converter.ignore_links = self.ignore_links
            converter.ignore_images = self.ignore_images
            converter.body_width = 0
            return [Document(page_content=converter.handle(d.page_content), metadata={**d.metadata}) for d in documents]

    return UnwrappedHtml2TextTransformer()


def _loader_class() -> type:
    """Built on first use: importing langchain is slow and noisy, and nothing may happen at import time."""
    os.environ.setdefault("USER_AGENT", USER_AGENT)  # langchain_community warns at import when it is unset
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from langchain_community.document_loaders import AsyncHtmlLoader

    class QuietAsyncHtmlLoader(AsyncHtmlLoader):
        """One attempt per call (our tenacity policy owns retries) and no progress bar per page."""

        async def _lazy_fetch_all(self, urls: list[str], preserve_order: bool) -> AsyncIterator[tuple[str, str]]:
            for url in urls:
                yield url, await self._fetch(url, retries=1)

    return QuietAsyncHtmlLoader


class CustomArticleCrawler(BaseCrawler):
    name = "custom"
    model = ArticleDocument

    def __init__(self, timeout_s: float = 20.0) -> None:
        self.timeout_s = timeout_s
        self._loader: type | None = None

    def extract(self, link: ParsedLink) -> dict[str, Any]:
        import aiohttp

        self._loader = self._loader or _loader_class()
        loader = self._loader(
            [link.url],
            header_template={"User-Agent": USER_AGENT},
            requests_kwargs={"raise_for_status": True, "timeout": aiohttp.ClientTimeout(total=self.timeout_s)},
        )
        try:
            documents = loader.load()
        except aiohttp.ClientResponseError as error:
            raise http_status_error(error.status, link.url) from None
        except TimeoutError:
            raise TransientCrawlError(f"timed out after {self.timeout_s:g}s fetching {link.url}") from None
        except aiohttp.ClientConnectionError as error:
            raise TransientCrawlError(f"network error fetching {link.url}: {error}") from None
        except aiohttp.ClientError as error:
            raise CrawlError(f"could not fetch {link.url}: {error}") from None
        if not documents:
            raise CrawlError(f"the loader returned nothing for {link.url}")
        html = documents[0].page_content
        metadata = documents[0].metadata
        markdown = _transformer().transform_documents(documents)[0].page_content
        title = str(metadata.get("title") or "").strip()
        check_page(title, markdown, html, content=markdown)
        description = metadata.get("description")
        language = metadata.get("language")
        return {
            "platform": link.domain,
            "content": {
                "Title": title or None,
                "Subtitle": description if description and description != "No description found." else None,
                "Content": markdown.strip(),
                "language": language if language and language != "No language found." else None,
            },
        }
