"""`poe zenml-dashboard` opens onto MoodSwarm's runs in a real headless Chromium: no sign-up survey, offline."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from llm_engineering.settings import REPO_ROOT, get_settings

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _dashboard(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MOODSWARM_HOME": str(home), "PYTHONPATH": str(REPO_ROOT)}
    env.pop("ZENML_CONFIG_PATH", None)
    return subprocess.run(
        [sys.executable, "-m", "tools.zenml_dashboard", *args], env=env, cwd=REPO_ROOT, capture_output=True, text=True
    )


def test_dashboard_opens_on_runs_without_survey(tmp_path: Path) -> None:
    if not get_settings().CHROMIUM_BINARY.is_file() or not get_settings().CHROMEDRIVER_PATH.is_file():
        pytest.skip("Debian's chromium and chromium-driver are not installed")
    from tools.page_check import check_page

    home = tmp_path / "home"  # a fresh store: exactly what shows the survey when left unprepared
    started = _dashboard(home, "--port", str(_free_port()))
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        url = started.stdout.split("ZenML dashboard: ", 1)[1].split()[0]
        assert url.startswith("http://127.0.0.1:") and url.endswith("/projects/default/runs")
        report = check_page(url, wait_for="No runs yet", screenshot=tmp_path / "dashboard.png", timeout_s=30)
        assert report.found, report.text[:500]
        assert "Survey" not in report.title and "e-mail" not in report.text.lower(), report.title
        assert report.screenshot is not None and report.screenshot.stat().st_size > 10_000
    finally:
        stopped = _dashboard(home, "--stop")
    assert stopped.returncode == 0 and "zenml login --local" not in stopped.stdout + stopped.stderr
