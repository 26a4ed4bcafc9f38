"""No traceback at interpreter exit ("sys.meta_path is None") after ODM, tool or script use."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from llm_engineering.infrastructure.db.embedded_mongo import EmbeddedMongoServer

REPO_ROOT = Path(__file__).resolve().parent.parent
SCRIPT = """
from llm_engineering.infrastructure.bootstrap import bootstrap
bootstrap()
from llm_engineering.domain.documents import UserDocument
from llm_engineering.domain.embedded_chunks import EmbeddedArticleChunk
UserDocument(first_name="Ada", last_name="Quill").save()
EmbeddedArticleChunk.ensure_collection()
print(len(list(UserDocument.bulk_find())), EmbeddedArticleChunk.count())
"""


def test_scripts_and_tools_exit_without_a_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "MOODSWARM_HOME": str(tmp_path / "home"), "PYTHONPATH": str(REPO_ROOT)}
    env.pop("DATABASE_HOST", None)
    commands = [
        [sys.executable, "-c", SCRIPT],
        [sys.executable, "-m", "tools.qdrant_inspect", "list-collections"],
        [sys.executable, "-m", "tools.doctor"],
        [sys.executable, "-m", "tools.data_warehouse", "--export-raw-data"],
    ]
    try:
        for command in commands:
            result = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=180)
            assert result.returncode == 0, result.stdout + result.stderr
            assert "Traceback" not in result.stderr and "meta_path" not in result.stderr, (command, result.stderr)
    finally:
        EmbeddedMongoServer(tmp_path / "home" / "mongodb").stop()
