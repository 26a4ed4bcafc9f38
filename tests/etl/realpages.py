"""The shared real saved pages (`../shared/realpages`, third-party data never copied into the repository),
served on loopback the way a user maps a custom-domain publication with `crawler_hosts`."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.local_http import LocalSiteServer, Route

REALPAGES = Path(__file__).resolve().parents[2].parent / "shared" / "realpages"
# Which crawler serves each kind of page (the bot check is a Medium URL).
CRAWLER_OF_KIND = {"medium": "medium", "substack": "substack", "blog": "custom", "botcheck": "medium"}
_CURLY = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"'})
_MARKDOWN = re.compile(r"[*_`#>|\[\]]+")


def available() -> bool:
    return (REALPAGES / "manifest.json").is_file()


def manifest() -> list[dict[str, Any]]:
    return json.loads((REALPAGES / "manifest.json").read_text(encoding="utf-8")) if available() else []


def comparable(text: str) -> str:
    """As the realpages README says: whitespace collapsed, curly quotes folded, markdown syntax removed."""
    return " ".join(_MARKDOWN.sub(" ", text.translate(_CURLY)).split())


def read_page(entry: dict[str, Any]) -> str:
    return (REALPAGES / entry["file"]).read_text(encoding="utf-8")


@dataclass
class RealPagesWeb:
    """One loopback server per crawler, every page a route (`Content-Type: text/html; charset=utf-8`)."""

    servers: dict[str, LocalSiteServer] = field(default_factory=dict)

    @classmethod
    def start(cls) -> RealPagesWeb:
        web = cls()
        for crawler in sorted(set(CRAWLER_OF_KIND.values())):
            web.servers[crawler] = LocalSiteServer(Path(REALPAGES)).start()
        for entry in manifest():
            status = 403 if entry["kind"] == "botcheck" else 200  # a real challenge answers 403
            web.route(entry["kind"], f"/{entry['file']}", Route(read_page(entry), status=status))
        return web

    def route(self, kind: str, path: str, route: Route) -> str:
        server = self.servers[CRAWLER_OF_KIND[kind]]
        server.routes[path] = route
        return server.url(path)

    def url(self, entry: dict[str, Any]) -> str:
        return self.servers[CRAWLER_OF_KIND[entry["kind"]]].url(entry["file"])

    def crawler_hosts(self) -> dict[str, list[str]]:
        return {crawler: [server.netloc] for crawler, server in self.servers.items()}

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()
