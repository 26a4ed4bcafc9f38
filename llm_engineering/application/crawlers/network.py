"""Which addresses a crawl may reach: by default none on loopback, private, link-local or metadata networks.

A link (or a redirect) whose host resolves to such an address is refused with a clear per-link failure,
unless the run allows it: hosts named in `crawler_hosts`, or `allow_private_networks: true`.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass

from llm_engineering.application.crawlers.links import HostPattern, ParsedLink, parse_link
from llm_engineering.domain.exceptions import CrawlError

_DEFAULT_PORTS = {"http": 80, "https": 443}


class PrivateAddressRefused(CrawlError):
    """The link or a redirect leads to a private network address the run did not allow."""


@dataclass(frozen=True)
class NetworkPolicy:
    allow_private: bool = False
    allowed_hosts: tuple[HostPattern, ...] = ()

    def check(self, url: str | ParsedLink) -> None:
        """Raise `PrivateAddressRefused` when `url` may not be fetched; names that do not resolve pass
        (the fetch itself then reports the DNS failure)."""
        if self.allow_private:
            return
        link = url if isinstance(url, ParsedLink) else parse_link(url)
        if any(pattern.matches(link) for pattern in self.allowed_hosts):
            return
        for address in _addresses(link.host, link.port or _DEFAULT_PORTS.get(link.scheme, 443)):
            if not is_public(address):
                raise PrivateAddressRefused(
                    f"refused {link.url}: {link.host} is a private network address ({address}); "
                    f"name the host in crawler_hosts or set allow_private_networks: true to crawl it"
                )


ALLOW_ALL = NetworkPolicy(allow_private=True)


def is_public(address: str) -> bool:
    """False for loopback, private, link-local (169.254.169.254 metadata included), shared, reserved, multicast."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _addresses(host: str, port: int) -> list[str]:
    host = host.strip("[]")
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return []
    return sorted({str(info[4][0]) for info in infos})
