"""Where state goes: a relative MOODSWARM_HOME is the project's, an installed copy never writes beside itself."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PRINT_HOME = "from llm_engineering.settings import get_settings; print(get_settings().home)"


def test_relative_home_resolves_against_the_project_root(tmp_path: Path) -> None:
    env = {**os.environ, "MOODSWARM_HOME": "relative-home", "PYTHONPATH": str(REPO_ROOT)}
    elsewhere = tmp_path / "somewhere" / "else"
    elsewhere.mkdir(parents=True)
    result = subprocess.run(
        [sys.executable, "-c", PRINT_HOME], cwd=elsewhere, env=env, capture_output=True, text=True, check=True
    )
    assert Path(result.stdout.strip()) == REPO_ROOT / "relative-home"


def test_installed_copy_never_writes_state_into_site_packages(tmp_path: Path) -> None:
    """What `pip install .` lays out: the package alone in site-packages, no pyproject beside it."""
    site = tmp_path / "site-packages"
    shutil.copytree(
        REPO_ROOT / "llm_engineering", site / "llm_engineering", ignore=shutil.ignore_patterns("__pycache__")
    )
    user_home = tmp_path / "user"
    user_home.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("MOODSWARM_HOME", "ZENML_REPOSITORY_PATH")}
    env.update({"PYTHONPATH": str(site), "HOME": str(user_home)})
    script = (
        "import llm_engineering, os; assert llm_engineering.__file__.startswith(%r), llm_engineering.__file__\n"
        "from llm_engineering.infrastructure.zenml_env import configure_zenml\n"
        "configure_zenml()\n" + PRINT_HOME + "\nprint(os.environ['ZENML_REPOSITORY_PATH'])"
    ) % str(site)
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, check=True
    )
    home, zenml_repository = (Path(line) for line in result.stdout.split())
    assert home == user_home / ".moodswarm" and zenml_repository == home
    assert (home / "zenml").is_dir()
    written = [
        p for p in site.rglob("*") if "__pycache__" not in p.parts and not (REPO_ROOT / p.relative_to(site)).exists()
    ]
    assert written == []
