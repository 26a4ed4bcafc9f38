"""What the dashboard shows of an ETL run: its status, run-level metadata and the per-link report."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from llm_engineering.application.reports.etl_report import etl_report_html, etl_run_metadata, run_status
from llm_engineering.domain.documents import UserDocument
from tests.etl.conftest import LocalWeb

REPO_ROOT = Path(__file__).resolve().parents[2]


def _config(path: Path, links: list[str], hosts: dict, user: str) -> Path:
    parameters = {"user_full_name": user, "links": links, "crawler_hosts": hosts, "retry_attempts": 1}
    path.write_text(yaml.safe_dump({"parameters": parameters}))
    return path


def _report_html(run) -> str:
    (version,) = run.steps["crawl_links"].outputs["etl_link_report"]
    assert [v.type for v in version.visualizations] == ["html"]  # what the dashboard renders
    return version.load()


def test_partly_failed_run_metadata_and_report() -> None:
    # The pipeline wiring is exercised below and in test_etl_pipeline.py; here, what a partial run reports.
    summary = {
        "links": 2,
        "saved": 1,
        "already present": 0,
        "refreshed": 0,
        "failed": 1,
        "per_domain": {"blog.example": {"saved": 1, "already present": 0, "refreshed": 0, "failed": 1}},
        "results": [
            {"link": "https://blog.example/a", "crawler": "custom", "outcome": "saved", "characters": 3132},
            {"link": "https://blog.example/<b>", "crawler": "custom", "outcome": "failed", "reason": "HTTP 404 from x"},
        ],
    }
    metadata = etl_run_metadata(summary, "Ada Quill")
    assert metadata["status"] == "completed with failures" and run_status({**summary, "failed": 0}) == "completed"
    assert (metadata["links"], metadata["saved"], metadata["failed"], metadata["characters_stored"]) == (2, 1, 1, 3132)
    assert metadata["failures"] == {"https://blog.example/<b>": "HTTP 404 from x"}
    html = etl_report_html(summary, "Ada Quill")
    assert "<table>" in html and "3,132" in html and ">saved<" in html and ">failed<" in html
    assert "&lt;b&gt;" in html and "<b>" not in html  # links and reasons are escaped
    assert "<script" not in html and "src=" not in html  # self-contained


def test_every_link_failed_is_a_failed_run_that_keeps_no_user(
    local_web: LocalWeb, mongo_server: str, mongo_db: str, tmp_path: Path
) -> None:
    from zenml.client import Client

    links = [local_web.blog.url("errors/404.html"), local_web.blog.url("bot/captcha-wall.html")]
    config = _config(tmp_path / "etl.yaml", links, local_web.crawler_hosts(), "Nobody Here")
    env = {**os.environ, "DATABASE_HOST": mongo_server, "DATABASE_NAME": mongo_db}
    command = [sys.executable, "-m", "tools.run", "--run-etl", "--etl-config-filename", str(config)]
    result = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=240)
    output = result.stdout + result.stderr
    assert result.returncode == 1 and "2 item(s) failed" in output, output[-3000:]
    assert "Traceback" not in output and "\x1b[" not in output  # piped: no traceback, no colour codes
    lines = output.splitlines()
    assert [sum(line.startswith(f"failed {link}:") for line in lines) for link in links] == [1, 1]
    assert sum(link in line for line in lines for link in links) == 2  # one line per failure, at the end
    assert output.rindex(links[0]) > output.index("every link failed (2 of 2)")

    run = Client().list_pipeline_runs(pipeline_name="digital_data_etl", sort_by="desc:created", size=1).items[0]
    assert str(run.status.value) == "failed"
    assert run.run_metadata["status"] == "failed" and set(run.run_metadata["failures"]) == set(links)
    assert UserDocument.find(first_name="Nobody", last_name="Here") is None
    assert "bot check page" in _report_html(Client().get_pipeline_run(run.id))
