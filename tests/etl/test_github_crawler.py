"""Repositories from a local git server (smart HTTP on 127.0.0.1), routed through crawler_hosts."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from llm_engineering.application.crawlers import (
    CrawlerDispatcher,
    Outcome,
    RetryPolicy,
    TransientCrawlError,
    crawl_links,
    parse_link,
    validate_links,
)
from llm_engineering.application.crawlers.dispatcher import default_factories
from llm_engineering.application.crawlers.github import GithubCrawler
from llm_engineering.domain.documents import RepositoryDocument, UserDocument
from llm_engineering.domain.exceptions import CrawlError
from tests.etl.conftest import LOOPBACK, LocalRepo, LocalWeb, closed_port, plain_clone
from tools.local_http import GIT_IDENTITY


def test_repository_is_read_exactly_and_skips_what_it_must(local_web: LocalWeb, local_repo: LocalRepo) -> None:
    dispatcher = CrawlerDispatcher(local_web.crawler_hosts())
    crawler = dispatcher.get_crawler(local_repo.url)
    assert isinstance(crawler, GithubCrawler)
    fields = crawler.extract(parse_link(local_repo.url))
    assert fields["name"] == "sample-tool"
    assert fields["platform"] == "github"
    # Text byte for byte (spaces, tabs, CRLF, unicode, empty files); the internal symlink's target appears
    # under its own path only; binaries, the big file, the lock file, build output and the outside link do not.
    assert fields["content"] == local_repo.files
    flattened = "".join(fields["content"].values())
    assert "SECRET" not in flattened


def test_git_hooks_never_run(local_web: LocalWeb, local_repo: LocalRepo, hook_marker: Path, tmp_path: Path) -> None:
    plain_clone(local_repo.url, tmp_path / "plain")
    assert hook_marker.exists(), "sanity check: a plain clone with this config runs the hook"
    hook_marker.unlink()
    GithubCrawler(network=LOOPBACK).extract(parse_link(local_repo.url))
    assert not hook_marker.exists()


def test_failed_clones_are_clear_errors(local_web: LocalWeb) -> None:
    crawler = GithubCrawler(clone_timeout_s=30, network=LOOPBACK)
    with pytest.raises(CrawlError, match=r"git clone of .*/git/missing.git failed: .*(not found|404)") as missing:
        crawler.extract(parse_link(local_web.git.url("git/missing.git")))
    assert not isinstance(missing.value, TransientCrawlError)
    with pytest.raises(TransientCrawlError, match=r"git clone of .* failed: .*(refused|Failed to connect)"):
        crawler.extract(parse_link(f"http://127.0.0.1:{closed_port()}/owner/repo.git"))
    with pytest.raises(CrawlError, match="names no repository"):
        crawler.extract(parse_link("https://github.com/"))


def test_file_size_limit_is_configurable(local_repo: LocalRepo) -> None:
    fields = GithubCrawler(max_file_bytes=40, network=LOOPBACK).extract(parse_link(local_repo.url))
    assert set(fields["content"]) == {
        path for path, text in local_repo.files.items() if len(text.encode("utf-8")) <= 40
    }


def _moodswarm_tmp() -> Path:
    from llm_engineering.settings import get_settings

    return get_settings().home / "tmp"


def test_dumb_http_servers_get_a_full_clone(local_web: LocalWeb, local_repo: LocalRepo, tmp_path: Path) -> None:
    """A static-file ("dumb HTTP") server cannot answer a shallow clone: the crawler falls back to a full one."""
    git_root = local_web.git.git_root
    assert git_root is not None
    dumb = local_web.root / "dumb" / "sample-tool.git"
    if not dumb.exists():
        shutil.copytree(git_root / "sample-tool.git", dumb)
        subprocess.run(["git", "update-server-info"], cwd=dumb, check=True, capture_output=True, timeout=60)
    url = local_web.blog.url("dumb/sample-tool.git")  # served as plain files, no git http-backend
    shallow = subprocess.run(
        ["git", "clone", "--depth", "1", "--quiet", url, str(tmp_path / "shallow")], capture_output=True, text=True
    )
    assert shallow.returncode != 0 and "shallow" in shallow.stderr, "sanity check: the server is dumb"
    fields = GithubCrawler(network=LOOPBACK).extract(parse_link(url))
    assert fields["content"] == local_repo.files
    assert list(_moodswarm_tmp().iterdir()) == [], "no clone is left behind"


def test_repositories_over_the_caps_fail_before_anything_is_read(local_repo: LocalRepo) -> None:
    with pytest.raises(CrawlError, match=r"is too large: 7 files, over the cap of 3 files$"):
        GithubCrawler(max_files=3, network=LOOPBACK).extract(parse_link(local_repo.url))
    with pytest.raises(CrawlError, match=r"is too large: \d+ bytes in files, over the cap of 100 bytes$"):
        GithubCrawler(max_total_bytes=100, network=LOOPBACK).extract(parse_link(local_repo.url))
    assert list(_moodswarm_tmp().iterdir()) == [], "a failed crawl leaves no clone behind either"


def test_a_repository_over_the_cap_is_a_failure_end_to_end(
    local_web: LocalWeb, local_repo: LocalRepo, mongo_db: str
) -> None:
    factories = {**default_factories(), "github": lambda network: GithubCrawler(max_files=3, network=network)}
    user = UserDocument.get_or_create(first_name="Ada", last_name="Quill")
    with CrawlerDispatcher(local_web.crawler_hosts(), factories=factories) as dispatcher:
        summary = crawl_links(validate_links([local_repo.url]), user, dispatcher, retry=RetryPolicy(attempts=1))
    result = summary.results[0]
    assert result.outcome is Outcome.FAILED and result.reason.endswith("7 files, over the cap of 3 files")
    assert RepositoryDocument.estimated_count() == 0


def test_submodules_and_lfs_files_are_never_fetched(local_web: LocalWeb, tmp_path: Path) -> None:
    """A gitlink whose .gitmodules points at a server nobody runs, and an LFS pointer: neither is followed."""
    tree = tmp_path / "with-submodule"
    tree.mkdir()
    (tree / "main.py").write_text("print('hello')\n")
    unreachable = f"http://127.0.0.1:{closed_port()}/git/lib.git"
    (tree / ".gitmodules").write_text(f'[submodule "vendor/lib"]\n\tpath = vendor/lib\n\turl = {unreachable}\n')
    (tree / ".gitattributes").write_text("*.bin filter=lfs diff=lfs merge=lfs -text\n")
    pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:" + "a" * 64 + "\nsize 123456789\n"
    (tree / "weights.bin").write_text(pointer)
    env = {**os.environ, **GIT_IDENTITY, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tree, env=env, check=True, capture_output=True, timeout=60)

    git("init", "--quiet", "--initial-branch=main", ".")
    git("add", "--all", ".")
    git("update-index", "--add", "--cacheinfo", f"160000,{'b' * 40},vendor/lib")  # the submodule's commit
    git("commit", "--quiet", "--no-verify", "-m", "with a submodule")
    git_root = local_web.git.git_root
    assert git_root is not None
    bare = git_root / "with-submodule.git"
    shutil.rmtree(bare, ignore_errors=True)
    subprocess.run(["git", "clone", "--quiet", "--bare", str(tree), str(bare)], env=env, check=True, timeout=60)
    fields = GithubCrawler(network=LOOPBACK).extract(parse_link(local_web.git.url("git/with-submodule.git")))
    assert set(fields["content"]) == {"main.py", ".gitmodules", ".gitattributes"}
    assert list(_moodswarm_tmp().iterdir()) == []
