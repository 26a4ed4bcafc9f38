"""Route each link to its crawler by the parsed host, from a mapping the ETL config can extend."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from llm_engineering.application.crawlers.base import BaseCrawler
from llm_engineering.application.crawlers.links import HostPattern, ParsedLink, parse_link
from llm_engineering.application.crawlers.network import NetworkPolicy
from llm_engineering.domain.exceptions import ImproperlyConfigured

DEFAULT_CRAWLER_HOSTS: dict[str, tuple[str, ...]] = {
    "github": ("github.com", "gitlab.com", "bitbucket.org", "codeberg.org"),
    "medium": ("medium.com",),
    "substack": ("substack.com",),
}
FALLBACK_CRAWLER = "custom"


def default_factories() -> dict[str, Callable[..., BaseCrawler]]:
    from llm_engineering.application.crawlers.custom_article import CustomArticleCrawler
    from llm_engineering.application.crawlers.github import GithubCrawler
    from llm_engineering.application.crawlers.medium import MediumCrawler
    from llm_engineering.application.crawlers.substack import SubstackCrawler

    return {
        "github": GithubCrawler,
        "medium": MediumCrawler,
        "substack": SubstackCrawler,
        "custom": CustomArticleCrawler,
    }


class CrawlerDispatcher:
    """`crawler_hosts` adds hosts to the defaults: `{"github": ["git.example.com:3000"], "medium": [...]}`.

    Crawlers are created on first use and kept for the whole run (the Medium crawler's browser is reused);
    `close()` releases them. The most specific matching pattern wins; unknown hosts get the custom crawler
    (`custom: [...]` names hosts for it explicitly). Hosts named in `crawler_hosts` may be on a private network;
    any other link resolving to one is refused unless `allow_private_networks` is true.
    """

    def __init__(
        self,
        crawler_hosts: Mapping[str, Iterable[str]] | None = None,
        factories: Mapping[str, Callable[..., BaseCrawler]] | None = None,
        allow_private_networks: bool = False,
    ) -> None:
        self._factories = dict(factories) if factories is not None else default_factories()
        self._crawlers: dict[str, BaseCrawler] = {}
        self._patterns: list[tuple[HostPattern, str]] = []
        for crawler_name, hosts in DEFAULT_CRAWLER_HOSTS.items():
            self.register(crawler_name, hosts)
        defaults = len(self._patterns)
        for crawler_name, hosts in (crawler_hosts or {}).items():
            self.register(crawler_name, hosts)
        self.network = NetworkPolicy(
            allow_private=allow_private_networks,
            allowed_hosts=tuple(pattern for pattern, _ in self._patterns[defaults:]),
        )

    def register(self, crawler_name: str, hosts: Iterable[str] | None) -> None:
        if crawler_name not in self._factories:
            known = ", ".join(sorted(self._factories))
            raise ImproperlyConfigured(f"crawler_hosts names an unknown crawler {crawler_name!r} (known: {known})")
        if hosts is None:  # `github:` left empty in YAML
            return
        if isinstance(hosts, str) or not isinstance(hosts, Iterable):
            raise ImproperlyConfigured(f"crawler_hosts.{crawler_name} must be a list of 'host' or 'host:port' strings")
        for host in hosts:
            try:
                self._patterns.append((HostPattern.parse(host), crawler_name))
            except ValueError as error:
                raise ImproperlyConfigured(f"crawler_hosts.{crawler_name}: {error}") from None

    def crawler_name_for(self, link: ParsedLink | str) -> str:
        parsed = parse_link(link) if isinstance(link, str) else link
        matches = [(pattern.specificity, name) for pattern, name in self._patterns if pattern.matches(parsed)]
        return max(matches)[1] if matches else FALLBACK_CRAWLER

    def get_crawler(self, link: ParsedLink | str) -> BaseCrawler:
        name = self.crawler_name_for(link)
        if name not in self._crawlers:
            self._crawlers[name] = self._factories[name](network=self.network)
        return self._crawlers[name]

    def close(self) -> None:
        crawlers, self._crawlers = list(self._crawlers.values()), {}
        for crawler in crawlers:
            crawler.close()

    def __enter__(self) -> CrawlerDispatcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
