"""Any git host: a shallow, hook-free clone under MOODSWARM_HOME/tmp, then every text file kept exactly as written."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loguru import logger

from llm_engineering.application.crawlers.base import BaseCrawler
from llm_engineering.application.crawlers.errors import EmptyPage, TransientCrawlError
from llm_engineering.application.crawlers.git_redirects import final_repository_url
from llm_engineering.application.crawlers.links import ParsedLink
from llm_engineering.application.crawlers.network import NetworkPolicy
from llm_engineering.domain.documents import RepositoryDocument
from llm_engineering.domain.exceptions import CrawlError
from llm_engineering.settings import get_settings

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
LFS_POINTER = b"version https://git-lfs.github.com/spec/"
# Messages of `git clone` that mean "the network failed", not "this repository is wrong".
_TRANSIENT_GIT = (
    "could not resolve host", "connection refused", "failed to connect", "couldn't connect to server",
    "connection timed out", "operation timed out", "early eof",
    "the remote end hung up unexpectedly", "returned error: 502", "returned error: 503", "returned error: 504",
    "ssl_read", "recv failure",
)  # fmt: skip


# What a dumb-HTTP (static files) server answers to a shallow clone: fall back to a full clone.
_NO_SHALLOW = ("does not support shallow", "shallow file has changed", "server does not support --depth")


@dataclass(frozen=True)
class TreeEntry:
    path: str
    mode: str
    oid: str


class GithubCrawler(BaseCrawler):
    """Named after the common case; it clones from any git host the dispatcher maps to it.

    The clone has no checkout: the file list and sizes are read from git, the caps are checked, and only then
    are the kept files' contents read (blobs over the per-file limit are not even downloaded where the server
    supports `--filter`). Submodules and LFS content are never fetched.
    """

    name = "github"
    model = RepositoryDocument

    def __init__(
        self,
        max_file_bytes: int = 256 * 1024,
        clone_timeout_s: float = 300.0,
        max_files: int = 5000,
        max_total_bytes: int = 50 * 1024 * 1024,
        network: NetworkPolicy | None = None,
    ) -> None:
        self.max_file_bytes = max_file_bytes
        self.clone_timeout_s = clone_timeout_s
        self.max_files = max_files
        self.max_total_bytes = max_total_bytes
        self.network = network or NetworkPolicy()

    def extract(self, link: ParsedLink) -> dict[str, Any]:
        self.network.check(link)
        name = repository_name(link)
        scratch = get_settings().home / "tmp"
        scratch.mkdir(parents=True, exist_ok=True)
        source = final_repository_url(link.url, self.network, timeout_s=min(self.clone_timeout_s, 30.0))
        with tempfile.TemporaryDirectory(prefix="moodswarm-clone-", dir=scratch) as workspace:
            clone = Path(workspace) / name
            self._clone(source, clone)
            files = self._read(link.url, clone)
        if not files:
            raise EmptyPage(f"repository {link.url} has no text files to keep")
        return {"name": name, "platform": "github", "content": files}

    def _clone(self, url: str, destination: Path) -> None:
        shallow = ["--depth", "1", "--filter", f"blob:limit={self.max_file_bytes}"]
        try:
            self._git_clone(url, destination, shallow)
        except CrawlError as error:
            if not any(marker in str(error).lower() for marker in _NO_SHALLOW):
                raise
            logger.info("{} cannot be cloned shallowly (dumb HTTP?): full clone", url)
            shutil.rmtree(destination, ignore_errors=True)
            self._git_clone(url, destination, [])

    def _git_clone(self, url: str, destination: Path, extra: list[str]) -> None:
        command = [
            "git", *_SAFE_CONFIG,
            "clone", "--no-checkout", *extra, "--single-branch", "--no-tags", "--no-recurse-submodules",
            "--template=", "--quiet", "--", url, str(destination),
        ]  # fmt: skip
        result = self._run(command, destination.parent, what=f"git clone of {url}")
        if result.returncode != 0:
            message = " ".join(result.stderr.split()) or f"exit status {result.returncode}"
            error_class = TransientCrawlError if any(t in message.lower() for t in _TRANSIENT_GIT) else CrawlError
            raise error_class(f"git clone of {url} failed: {message[:500]}")
        if not destination.is_dir():
            raise CrawlError(f"git clone of {url} reported success but created no checkout")

    def _run(self, command: list[str], cwd: Path, what: str, stdin: bytes | None = None) -> Any:
        try:
            return subprocess.run(
                command, cwd=cwd, env=_git_env(), capture_output=True, text=stdin is None, input=stdin,
                timeout=self.clone_timeout_s,
            )  # fmt: skip
        except FileNotFoundError:
            raise CrawlError("git is not installed (needed to crawl repositories)") from None
        except subprocess.TimeoutExpired:
            raise TransientCrawlError(f"{what} timed out after {self.clone_timeout_s:g}s") from None

    def _read(self, url: str, clone: Path) -> dict[str, str]:
        """`{relative_path: text}` of every text file worth keeping, after checking the caps."""
        entries, skipped = self._kept_entries(url, clone)
        sizes = self._sizes(clone, [entry.oid for entry in entries])
        too_big = [entry for entry in entries if sizes.get(entry.oid, self.max_file_bytes + 1) > self.max_file_bytes]
        if too_big:
            skipped["too big"] = skipped.get("too big", 0) + len(too_big)
            entries = [entry for entry in entries if entry not in too_big]
        total = sum(sizes[entry.oid] for entry in entries)
        if len(entries) > self.max_files:
            raise CrawlError(
                f"repository {url} is too large: {len(entries)} files, over the cap of {self.max_files} files"
            )
        if total > self.max_total_bytes:
            raise CrawlError(
                f"repository {url} is too large: {total} bytes in files, over the cap of {self.max_total_bytes} bytes"
            )
        files: dict[str, str] = {}
        for entry, data in zip(entries, self._contents(clone, [entry.oid for entry in entries]), strict=True):
            if data.startswith(LFS_POINTER):  # the file lives in LFS storage, which is never downloaded
                skipped["lfs pointer"] = skipped.get("lfs pointer", 0) + 1
                continue
            text = _decode_text(data)
            if text is None:
                skipped["binary"] = skipped.get("binary", 0) + 1
                continue
            files[entry.path] = text
        if skipped:
            logger.debug("Skipped files in {}: {}", clone.name, skipped)
        return files

    def _kept_entries(self, url: str, clone: Path) -> tuple[list[TreeEntry], dict[str, int]]:
        result = self._run(["git", *_SAFE_CONFIG, "ls-tree", "-r", "-z", "--full-tree", "HEAD"], clone, "git ls-tree")
        if result.returncode != 0:
            raise CrawlError(f"could not list the files of {url}: {' '.join(result.stderr.split())[:300]}")
        entries: list[TreeEntry] = []
        skipped: dict[str, int] = {}
        for record in filter(None, result.stdout.split("\0")):
            meta, path = record.split("\t", 1)
            mode, _kind, oid = meta.split()
            reason = _skip_reason(path, mode)
            if reason:
                skipped[reason] = skipped.get(reason, 0) + 1
            else:
                entries.append(TreeEntry(path=path, mode=mode, oid=oid))
        return entries, skipped

    def _sizes(self, clone: Path, oids: list[str]) -> dict[str, int]:
        """Sizes of the blobs present locally; blobs a `--filter` left on the server are absent (too big)."""
        missing = self._run(
            ["git", *_SAFE_CONFIG, "rev-list", "--objects", "--missing=print", "HEAD"], clone, "git rev-list"
        )
        absent = {line[1:].strip() for line in missing.stdout.splitlines() if line.startswith("?")}
        present = [oid for oid in dict.fromkeys(oids) if oid not in absent]
        if not present:
            return {}
        result = self._run(
            ["git", *_SAFE_CONFIG, "cat-file", "--batch-check=%(objectname) %(objectsize)"],
            clone, "git cat-file", stdin="\n".join(present).encode() + b"\n",
        )  # fmt: skip
        sizes: dict[str, int] = {}
        for line in result.stdout.decode().splitlines():
            oid, _, size = line.partition(" ")
            if size.isdigit():
                sizes[oid] = int(size)
        return sizes

    def _contents(self, clone: Path, oids: list[str]) -> list[bytes]:
        if not oids:
            return []
        result = self._run(
            ["git", *_SAFE_CONFIG, "cat-file", "--batch"], clone, "git cat-file",
            stdin="\n".join(oids).encode() + b"\n",
        )  # fmt: skip
        output, position, contents = result.stdout, 0, []
        for _ in oids:
            header_end = output.index(b"\n", position)
            size = int(output[position:header_end].split()[2])
            contents.append(output[header_end + 1 : header_end + 1 + size])
            position = header_end + 1 + size + 1  # the blob, then its trailing newline
        return contents


# No hook, credential prompt, LFS smudge or submodule of any config may run.
_SAFE_CONFIG = (
    "-c", "core.hooksPath=/dev/null", "-c", "core.symlinks=true", "-c", "advice.detachedHead=false",
    "-c", "http.followRedirects=false",  # redirects were followed, and checked, by final_repository_url
    "-c", "submodule.recurse=false", "-c", "filter.lfs.smudge=", "-c", "filter.lfs.process=",
    "-c", "filter.lfs.required=false", "-c", "protocol.file.allow=user",
)  # fmt: skip


def _git_env() -> dict[str, str]:
    return {
        **os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "echo", "GCM_INTERACTIVE": "never",
        "GIT_LFS_SKIP_SMUDGE": "1",
    }  # fmt: skip


def _skip_reason(path: str, mode: str) -> str | None:
    if mode == "120000":
        return "symlink"  # its target is either outside the repository (never read) or a file we already keep
    if mode == "160000":
        return "submodule"
    parts = path.split("/")
    if any(part in SKIPPED_DIRS for part in parts[:-1]):
        return "skipped directory"
    if parts[-1] in LOCK_FILES:
        return "lock file"
    return None


def repository_name(link: ParsedLink) -> str:
    segments = [segment for segment in link.url.split("?")[0].split("/")[3:] if segment]
    if not segments:
        raise CrawlError(f"{link.url} names no repository (expected https://host/owner/repository)")
    name = segments[-1].removesuffix(".git")
    if not name or name in (".", ".."):
        raise CrawlError(f"{link.url} names no repository")
    return name


def _decode_text(data: bytes) -> str | None:
    """The file's exact text, or None for binary content (NUL bytes or not valid UTF-8)."""
    if b"\x00" in data[:SNIFF_BYTES]:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text.removeprefix("\ufeff")
