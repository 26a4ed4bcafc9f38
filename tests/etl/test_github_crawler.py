"""Repositories from a local git server (smart HTTP on 127.0.0.1), routed through crawler_hosts."""

from __future__ import annotations

from pathlib import Path

import pytest

from llm_engineering.application.crawlers import CrawlerDispatcher, TransientCrawlError, parse_link
from llm_engineering.application.crawlers.github import GithubCrawler
from llm_engineering.domain.exceptions import CrawlError
from tests.etl.conftest import LOOPBACK, LocalRepo, LocalWeb, closed_port, plain_clone


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
