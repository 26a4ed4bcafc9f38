"""Any git host: a shallow, hook-free clone into a temp dir, then every text file kept exactly as written."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from loguru import logger

from llm_engineering.application.crawlers.base import BaseCrawler
from llm_engineering.application.crawlers.errors import EmptyPage, TransientCrawlError
from llm_engineering.application.crawlers.links import ParsedLink
from llm_engineering.domain.documents import RepositoryDocument
from llm_engineering.domain.exceptions import CrawlError

SKIPPED_DIRS = frozenset({
    ".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", "venv", ".tox", ".nox", ".mypy_cache",
    ".pytest_cache", ".ruff_cache", ".idea", ".vscode", "build", "dist", "target", "out", ".next", ".gradle",
    "site-packages", ".eggs", "coverage", "htmlcov", "vendor",
})  # fmt: skip
LOCK_FILES = frozenset({
    "poetry.lock", "uv.lock", "pdm.lock", "Pipfile.lock", "package-lock.json", "yarn.lock", "pnpm-lock.yaml",
    "bun.lockb", "Cargo.lock", "Gemfile.lock", "composer.lock", "go.sum", "mix.lock", "flake.lock",
    "packages.lock.json",
})  # fmt: skip
SNIFF_BYTES = 8192
# Messages of `git clone` that mean "the network failed", not "this repository is wrong".
_TRANSIENT_GIT = (
    "could not resolve host", "connection refused", "failed to connect", "couldn't connect to server",
    "connection timed out", "operation timed out", "early eof",
    "the remote end hung up unexpectedly", "returned error: 502", "returned error: 503", "returned error: 504",
    "ssl_read", "recv failure",
)  # fmt: skip


class GithubCrawler(BaseCrawler):
    """Named after the common case; it clones from any git host the dispatcher maps to it."""

    name = "github"
    model = RepositoryDocument

    def __init__(self, max_file_bytes: int = 256 * 1024, clone_timeout_s: float = 300.0) -> None:
        self.max_file_bytes = max_file_bytes
        self.clone_timeout_s = clone_timeout_s

    def extract(self, link: ParsedLink) -> dict[str, Any]:
        name = repository_name(link)
        with tempfile.TemporaryDirectory(prefix="moodswarm-clone-") as workspace:
            checkout = Path(workspace) / name
            self._clone(link.url, checkout)
            files = read_repository(checkout, self.max_file_bytes)
        if not files:
            raise EmptyPage(f"repository {link.url} has no text files to keep")
        return {"name": name, "platform": "github", "content": files}

    def _clone(self, url: str, destination: Path) -> None:
        command = [
            "git",
            "-c", "core.hooksPath=/dev/null",  # no hook of any config may run
            "-c", "core.symlinks=true",
            "-c", "advice.detachedHead=false",
            "clone", "--depth", "1", "--single-branch", "--no-tags", "--template=", "--quiet",
            "--", url, str(destination),
        ]  # fmt: skip
        env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "echo", "GCM_INTERACTIVE": "never"}
        try:
            result = subprocess.run(
                command, cwd=destination.parent, env=env, capture_output=True, text=True, timeout=self.clone_timeout_s
            )
        except FileNotFoundError:
            raise CrawlError("git is not installed (needed to crawl repositories)") from None
        except subprocess.TimeoutExpired:
            raise TransientCrawlError(f"git clone of {url} timed out after {self.clone_timeout_s:g}s") from None
        if result.returncode != 0:
            message = " ".join(result.stderr.split()) or f"exit status {result.returncode}"
            error_class = TransientCrawlError if any(t in message.lower() for t in _TRANSIENT_GIT) else CrawlError
            raise error_class(f"git clone of {url} failed: {message[:500]}")
        if not destination.is_dir():
            raise CrawlError(f"git clone of {url} reported success but created no checkout")


def repository_name(link: ParsedLink) -> str:
    segments = [segment for segment in link.url.split("?")[0].split("/")[3:] if segment]
    if not segments:
        raise CrawlError(f"{link.url} names no repository (expected https://host/owner/repository)")
    name = segments[-1].removesuffix(".git")
    if not name or name in (".", ".."):
        raise CrawlError(f"{link.url} names no repository")
    return name


def read_repository(root: Path, max_file_bytes: int) -> dict[str, str]:
    """`{relative_path: text}` for every text file worth keeping, in path order."""
    root = root.resolve()
    files: dict[str, str] = {}
    skipped: dict[str, int] = {}
    for directory, dir_names, file_names in os.walk(root, followlinks=False):
        dir_names[:] = sorted(d for d in dir_names if d not in SKIPPED_DIRS and not os.path.islink(Path(directory, d)))
        for file_name in sorted(file_names):
            path = Path(directory, file_name)
            reason = _skip_reason(root, path, max_file_bytes)
            if reason:
                skipped[reason] = skipped.get(reason, 0) + 1
                continue
            text = _read_text(path)
            if text is None:
                skipped["binary"] = skipped.get("binary", 0) + 1
                continue
            files[path.relative_to(root).as_posix()] = text
    if skipped:
        logger.debug("Skipped files in {}: {}", root.name, skipped)
    return files


def _skip_reason(root: Path, path: Path, max_file_bytes: int) -> str | None:
    if path.is_symlink():
        # A link's target is either outside the clone (never read) or a file we already keep.
        return "symlink"
    if path.name in LOCK_FILES:
        return "lock file"
    if not path.is_file():
        return "not a regular file"
    if path.stat().st_size > max_file_bytes:
        return "too big"
    return None


def _read_text(path: Path) -> str | None:
    """The file's exact text, or None for binary content (NUL bytes or not valid UTF-8)."""
    data = path.read_bytes()
    if b"\x00" in data[:SNIFF_BYTES]:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text.removeprefix("\ufeff")
