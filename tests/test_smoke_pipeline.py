"""The ZenML smoke test runs for real: the CLI, a pipeline, both stores and the model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

READ_METADATA = """
import json
from llm_engineering.infrastructure.zenml_env import configure_zenml
configure_zenml()
from zenml.client import Client
run = Client().get_pipeline("smoke_test").last_run
found = {name: dict(step.run_metadata) for name, step in run.steps.items()}
print(json.dumps({"status": str(run.status.value), **found}, default=str))
"""


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
        assert (home / "vector_store").is_dir() and (home / "mongodb" / "server.json").exists()
        # Each step logged its findings as ZenML metadata, readable from the run.
        probe = subprocess.run(
            [sys.executable, "-c", READ_METADATA], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert probe.returncode == 0, probe.stderr[-2000:]
        metadata = json.loads(probe.stdout.strip().splitlines()[-1])
        assert metadata["status"] == "completed"
        assert metadata["check_embedding_model"]["dimension"] == 384
        assert metadata["check_mongodb"]["database"] == "twin"
        assert "embedded" in metadata["check_qdrant"]["target"]
        assert metadata["check_feature_store"]["ok"] is True
    finally:
        subprocess.run([sys.executable, "-m", "tools.infra", "down"], cwd=REPO_ROOT, env=env, timeout=60)
