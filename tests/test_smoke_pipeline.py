"""The ZenML smoke test runs for real: the CLI, a pipeline, both stores and the model."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def test_smoke_test_pipeline_through_the_cli(tmp_path: Path) -> None:
    env = {**os.environ, "MOODSWARM_HOME": str(tmp_path / "home")}
    for variable in ("DATABASE_HOST", "QDRANT_URL"):
        env.pop(variable, None)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "tools.run", "--run-smoke-test"],
            cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        output = result.stdout + result.stderr
        assert result.returncode == 0, output[-3000:]
        assert "check_embedding_model" in output and "has finished" in output
        # Local state landed under the chosen home, nowhere else.
        home = tmp_path / "home"
        assert (home / "zenml" / "config.yaml").exists()
        assert (home / "qdrant").is_dir() and (home / "mongodb" / "server.json").exists()
    finally:
        subprocess.run([sys.executable, "-m", "tools.infra", "down"], cwd=REPO_ROOT, env=env, timeout=60)
