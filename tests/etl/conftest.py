"""Fixtures of the ETL tests: a local web (Medium-like, Substack-like, blog, bot-check, error and slow pages)
and local git repositories served over smart HTTP, all on 127.0.0.1. Nothing here reaches the internet."""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from llm_engineering.application.crawlers.network import NetworkPolicy
from tools.local_http import LocalSiteServer, Route, make_bare_repository
from tools.sample_site import Article, load_articles, render_blog, render_medium, render_substack

# Crawlers built directly in tests reach the loopback servers below; runs allow them through crawler_hosts.
LOOPBACK = NetworkPolicy(allow_private=True)
BOT_CHECK_PAGES = {
    "just-a-moment.html": (
        "<!doctype html><html><head><title>Just a moment...</title></head><body>"
        "<div id='challenge'>Checking if the site connection is secure</div>"
        "<script src='/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1'></script></body></html>"
    ),
    "verify-human.html": (
        "<!doctype html><html lang='en'><head><title>Security check</title></head><body><main><article>"
        "<h1>Verify you are human</h1><p>Complete the action below to continue reading.</p>"
        "<div class='cf-turnstile'></div></article></main></body></html>"
    ),
    "captcha-wall.html": (
        "<!doctype html><html><head><title>Access to this page has been denied</title></head><body>"
        "<p>Are you a robot? Please complete the CAPTCHA to continue.</p><div class='g-recaptcha'></div></body></html>"
    ),
}
EMPTY_PAGE = "<!doctype html><html lang='en'><head><title>Draft</title></head><body><article></article></body></html>"
ERROR_BODY = "<!doctype html><html><head><title>{status} Error</title></head><body><h1>{status}</h1></body></html>"


@dataclass
class LocalWeb:
    medium: LocalSiteServer
    substack: LocalSiteServer
    blog: LocalSiteServer
    git: LocalSiteServer
    articles: dict[str, Article]
    root: Path

    def crawler_hosts(self) -> dict[str, list[str]]:
        return {
            "medium": [self.medium.netloc],
            "substack": [self.substack.netloc],
            "github": [self.git.netloc],
            "custom": [self.blog.netloc],
        }

    def article_url(self, slug: str) -> str:
        article = self.articles[slug]
        return getattr(self, article.kind).url(article.path)

    def reset_routes(self) -> None:
        for server in (self.medium, self.substack, self.blog, self.git):
            for route in server.routes.values():
                route.hits = 0


def _routes() -> dict[str, Route]:
    return {
        "/errors/404.html": Route(ERROR_BODY.format(status=404), status=404),
        "/errors/500.html": Route(ERROR_BODY.format(status=500), status=500),
        "/errors/slow.html": Route("<html><head><title>Slow</title></head><body>late</body></html>", delay_s=3.0),
    }


@pytest.fixture(scope="session")
def local_web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalWeb]:
    root = tmp_path_factory.mktemp("local_web")
    articles = {a.slug: a for a in load_articles()}
    for article in articles.values():
        for kind, render in (("medium", render_medium), ("substack", render_substack), ("blog", render_blog)):
            page = root / kind / f"{article.slug}.html"
            page.parent.mkdir(parents=True, exist_ok=True)
            page.write_text(render(article), encoding="utf-8")
    for name, body in BOT_CHECK_PAGES.items():
        (root / "bot").mkdir(exist_ok=True)
        (root / "bot" / name).write_text(body, encoding="utf-8")
    (root / "empty.html").write_text(EMPTY_PAGE, encoding="utf-8")
    git_root = tmp_path_factory.mktemp("git_root")
    servers = {
        kind: LocalSiteServer(root, git_root=git_root, routes=_routes()).start()
        for kind in ("medium", "substack", "blog", "git")
    }
    try:
        yield LocalWeb(**servers, articles=articles, root=root)
    finally:
        for server in servers.values():
            server.stop()


@dataclass
class LocalRepo:
    url: str
    outside_secret: Path
    files: dict[str, str]  # what the crawler must keep, exactly


@pytest.fixture(scope="session")
def local_repo(local_web: LocalWeb, tmp_path_factory: pytest.TempPathFactory) -> LocalRepo:
    """A repository with text, binaries, a big file, a lock file, build output and symlinks, served over HTTP."""
    base = tmp_path_factory.mktemp("repo_src")
    secret = base / "outside-secret.txt"
    secret.write_text("SECRET outside the repository\n")
    tree = base / "sample-tool"
    (tree / "src" / "tool").mkdir(parents=True)
    (tree / "node_modules" / "left-pad").mkdir(parents=True)
    (tree / "dist").mkdir()
    files = {
        "README.md": "# sample-tool\n\nKeeps  double  spaces,\ttabs and trailing spaces   \n\n\n",
        "src/tool/__init__.py": "",  # empty but text: kept
        "src/tool/core.py": "def add(a: int, b: int) -> int:\n    return a + b\n",
        "docs/guide.txt": "Unicode kept as is: naïve café – 東京\r\nwindows line ending above\n",
        "Makefile": "test:\n\tpytest -q\n",
    }
    for relative, text in files.items():
        path = tree / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    (tree / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (tree / "data.bin").write_bytes(bytes([0xFF, 0xFE, 0x80, 0x81]) * 64)  # no NUL, not UTF-8: binary too
    (tree / "big.log").write_text("a fairly long log line that repeats\n" * 20_000)  # ~700 KiB > limit
    (tree / "poetry.lock").write_text("# lock\n")
    (tree / "node_modules" / "left-pad" / "index.js").write_text("module.exports = 1;\n")
    (tree / "dist" / "bundle.js").write_text("built();\n")
    (tree / "leak.txt").symlink_to(secret)  # points outside the repository
    (tree / "readme-link.md").symlink_to("README.md")  # inside: its target is kept under its own path
    git_root = local_web.git.git_root
    assert git_root is not None
    make_bare_repository(tree, git_root / "sample-tool.git")
    return LocalRepo(url=local_web.git.url("git/sample-tool.git"), outside_secret=secret, files=files)


@pytest.fixture
def hook_marker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A global git config whose post-checkout hook writes a marker file, to prove hooks never run."""
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    marker = tmp_path / "HOOK_RAN"
    hook = hooks / "post-checkout"
    hook.write_text(f"#!/bin/sh\necho ran > '{marker}'\n")
    hook.chmod(hook.stat().st_mode | stat.S_IEXEC)
    config = tmp_path / "gitconfig"
    config.write_text(f"[core]\n\thooksPath = {hooks}\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    return marker


def closed_port() -> int:
    """A loopback port nothing listens on (bound then released)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def plain_clone(url: str, destination: Path) -> None:
    subprocess.run(["git", "clone", "--quiet", url, str(destination)], check=True, env=os.environ, timeout=60)
