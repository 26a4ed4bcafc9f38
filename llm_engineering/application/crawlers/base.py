"""What every crawler does: turn one link into the fields of one raw document (no database here)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from llm_engineering.application.crawlers.links import ParsedLink
from llm_engineering.domain.documents import Document


class BaseCrawler(ABC):
    """`extract` returns the document fields besides author and link, or raises a `CrawlError`."""

    name: ClassVar[str]
    model: ClassVar[type[Document]]

    @abstractmethod
    def extract(self, link: ParsedLink) -> dict[str, Any]: ...

    def close(self) -> None:  # noqa: B027 - most crawlers hold nothing
        """Release what the crawler holds (a browser); safe to call more than once."""

    def __enter__(self) -> BaseCrawler:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
