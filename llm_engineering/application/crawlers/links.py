"""Parse, validate and normalise the links a user asks us to crawl, and match them against host patterns."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from llm_engineering.domain.exceptions import CrawlError

_LABEL = r"[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?"
_HOSTNAME = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*$")
_IPV6 = re.compile(r"^[0-9a-f:.]+$")


class MalformedLink(CrawlError):
    """A link that cannot be crawled at all (not an http(s) URL with a valid host)."""


@dataclass(frozen=True)
class ParsedLink:
    url: str  # what is fetched: lower-case scheme and host, no fragment (the query is kept: friend links)
    scheme: str
    host: str  # lower-case, no port, no "www."-stripping
    port: int | None

    @property
    def netloc(self) -> str:
        return f"{self.host}:{self.port}" if self.port is not None else self.host

    @property
    def domain(self) -> str:
        """The host a human would name (no `www.`, no port): the platform of generic articles."""
        return self.host.removeprefix("www.")

    def canonical(self, repository: bool = False) -> str:
        """The spelling stored and looked up: one link, one document (see `canonical.py`)."""
        from llm_engineering.application.crawlers.canonical import canonical_link

        return canonical_link(self.url, repository=repository)

    @property
    def site(self) -> str:
        """Domain plus an explicit port: what per-domain counts group by (self-hosted servers differ by port)."""
        return f"{self.domain}:{self.port}" if self.port is not None else self.domain


def parse_link(raw: object) -> ParsedLink:
    """Validate one link; `MalformedLink` says exactly what is wrong with it."""
    if not isinstance(raw, str) or not raw.strip():
        raise MalformedLink(f"Malformed link {raw!r}: expected a non-empty http(s) URL string")
    text = raw.strip()
    if any(ch.isspace() or ord(ch) < 32 for ch in text):
        raise MalformedLink(f"Malformed link {text!r}: it contains whitespace or control characters")
    try:
        parts = urlsplit(text)
        port = parts.port  # raises ValueError on a non-numeric or out-of-range port
    except ValueError as error:
        raise MalformedLink(f"Malformed link {text!r}: {error}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        shown = f"scheme {scheme!r}" if scheme else "no scheme"
        raise MalformedLink(f"Malformed link {text!r}: {shown}; only http:// and https:// links can be crawled")
    host = (parts.hostname or "").lower()
    if not host:
        raise MalformedLink(f"Malformed link {text!r}: it has no host")
    if not (_HOSTNAME.match(host) or (":" in host and _IPV6.match(host))):
        raise MalformedLink(f"Malformed link {text!r}: {host!r} is not a valid host name")
    netloc = parts.netloc.rsplit("@", 1)[-1]
    netloc = netloc.lower()
    url = urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))
    return ParsedLink(url=url, scheme=scheme, host=host, port=port)


def normalize_link(raw: object) -> str:
    return parse_link(raw).url


@dataclass(frozen=True)
class HostPattern:
    """`example.com` matches it and every subdomain on any port; `example.com:8080` only that port."""

    host: str
    port: int | None = None

    @classmethod
    def parse(cls, pattern: object) -> HostPattern:
        if not isinstance(pattern, str) or not pattern.strip():
            raise ValueError(f"Host pattern {pattern!r} must be a non-empty 'host' or 'host:port' string")
        text = pattern.strip().lower()
        if "/" in text or "@" in text:
            raise ValueError(
                f"Host pattern {pattern!r} must be a bare 'host' or 'host:port' (no scheme, path or user), "
                f"for example 'git.example.com' or '127.0.0.1:8080'"
            )
        try:
            parts = urlsplit(f"//{text}")
            port = parts.port
        except ValueError as error:
            raise ValueError(f"Host pattern {pattern!r}: {error}") from None
        host = (parts.hostname or "").removeprefix("www.")
        if not host or not (_HOSTNAME.match(host) or _IPV6.match(host)):
            raise ValueError(f"Host pattern {pattern!r} has no valid host name")
        return cls(host=host, port=port)

    def matches(self, link: ParsedLink) -> bool:
        if self.port is not None and link.port != self.port:
            return False
        return link.host == self.host or link.host.endswith("." + self.host)

    @property
    def specificity(self) -> tuple[int, int]:
        """Longer hosts and explicit ports win over broader patterns."""
        return (self.port is not None, len(self.host))
