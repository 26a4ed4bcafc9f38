"""The digital_data_etl ZenML pipeline and the CLI that launches it, on the local web."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from llm_engineering.domain.documents import ArticleDocument, UserDocument
from llm_engineering.domain.exceptions import ImproperlyConfigured
from tests.etl.conftest import LocalWeb

REPO_ROOT = Path(__file__).resolve().parents[2]


def _write_config(path: Path, links: list, hosts: dict, **extra: object) -> Path:
    parameters = {"user_full_name": "Ada Quill", "links": links, "crawler_hosts": hosts, **extra}
    path.write_text(yaml.safe_dump({"parameters": parameters}))
    return path


def test_pipeline_crawls_then_skips_then_refreshes(local_web: LocalWeb, mongo_db: str, tmp_path: Path) -> None:
    from zenml.client import Client

    from pipelines.digital_data_etl import run_digital_data_etl

    links = [
        local_web.article_url("bm25-ranking"),
        local_web.article_url("rust-ownership"),
        local_web.article_url("bloom-filters"),
        local_web.blog.url("errors/404.html"),
    ]
    config = _write_config(tmp_path / "etl.yaml", links, local_web.crawler_hosts(), retry_initial_wait_s=0.05)

    assert run_digital_data_etl(config, refresh=False, run_name="etl_test_first") == 1
    user = UserDocument.find(first_name="Ada", last_name="Quill")
    assert user is not None
    stored = {a.link: a for a in ArticleDocument.bulk_find()}
    assert set(stored) == set(links[:3])
    assert stored[links[0]].content["Content"] == local_web.articles["bm25-ranking"].content
    assert all(a.author_id == user.id for a in stored.values())

    metadata = Client().get_pipeline_run("etl_test_first").steps["crawl_links"].run_metadata
    assert metadata["saved"] == 3 and metadata["failed"] == 1
    assert metadata["per_domain"] == {
        local_web.medium.netloc: {"saved": 1, "already present": 0, "refreshed": 0, "failed": 0},
        local_web.substack.netloc: {"saved": 1, "already present": 0, "refreshed": 0, "failed": 0},
        local_web.blog.netloc: {"saved": 1, "already present": 0, "refreshed": 0, "failed": 1},
    }
    assert metadata["failures"] == {links[3]: f"HTTP 404 from {links[3]}"}

    # Same config again: nothing new is saved, no cache hides the crawl (the step really ran).
    assert run_digital_data_etl(config, refresh=False, run_name="etl_test_second") == 1
    second = Client().get_pipeline_run("etl_test_second").steps["crawl_links"]
    assert second.run_metadata["already_present"] == 3 and second.run_metadata["saved"] == 0
    assert str(second.status) in ("completed", "ExecutionStatus.COMPLETED")
    assert len(list(ArticleDocument.bulk_find())) == 3

    assert run_digital_data_etl(config, refresh=True, run_name="etl_test_refresh") == 1
    refreshed = Client().get_pipeline_run("etl_test_refresh").steps["crawl_links"].run_metadata
    assert refreshed["refreshed"] == 3
    assert {str(a.id) for a in ArticleDocument.bulk_find()} == {str(a.id) for a in stored.values()}


def test_malformed_links_stop_the_run_before_any_crawl(local_web: LocalWeb, mongo_db: str, tmp_path: Path) -> None:
    from pipelines.digital_data_etl import run_digital_data_etl

    before = len(local_web.blog.requests)
    config = _write_config(
        tmp_path / "bad.yaml", [local_web.article_url("bloom-filters"), "htp:/broken", "medium.com/p/x"], {}
    )
    with pytest.raises(ImproperlyConfigured) as error:
        run_digital_data_etl(config, refresh=False, run_name="etl_test_malformed")
    message = str(error.value)
    assert "links[1]: Malformed link 'htp:/broken'" in message and "links[2]" in message
    assert len(local_web.blog.requests) == before  # not even the good link was fetched
    assert ArticleDocument.find(link=local_web.article_url("bloom-filters")) is None

    bad_hosts = _write_config(tmp_path / "hosts.yaml", [local_web.article_url("bloom-filters")], {"gitea": ["x.org"]})
    with pytest.raises(ImproperlyConfigured, match="unknown crawler 'gitea'"):
        run_digital_data_etl(bad_hosts, refresh=False, run_name="etl_test_bad_hosts")


def test_cli_exit_status_and_summary(local_web: LocalWeb, mongo_server: str, mongo_db: str, tmp_path: Path) -> None:
    links = [local_web.article_url("kubernetes-autoscaling"), local_web.blog.url("bot/captcha-wall.html")]
    config = _write_config(tmp_path / "cli.yaml", links, local_web.crawler_hosts(), retry_attempts=1)
    env = {**os.environ, "DATABASE_HOST": mongo_server, "DATABASE_NAME": mongo_db}
    command = [sys.executable, "-m", "tools.run", "--run-etl", "--etl-config-filename", str(config)]
    result = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=240)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output[-3000:]
    assert "2 link(s): 1 saved, 0 already present, 0 refreshed, 1 failed" in output
    assert "bot check page (says 'are you a robot')" in output
    assert "1 item(s) failed" in output

    bad = _write_config(tmp_path / "bad.yaml", ["not-a-url"], {})
    result = subprocess.run(
        [*command[:-1], str(bad)], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=240
    )
    assert result.returncode != 0 and "Malformed link 'not-a-url'" in result.stderr
    assert "Traceback" not in result.stderr
