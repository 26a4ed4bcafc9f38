"""chunk_analysis and qdrant_inspect as users run them (both entry styles), on a pipeline's real output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from llm_engineering.infrastructure.bootstrap import close_vector_store
from tests.feature.conftest import AUTHOR, run_feature_pipeline

REPO_ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=REPO_ROOT, env=dict(os.environ), capture_output=True, text=True, timeout=180
    )


def test_tools_on_pipeline_output(warehouse: dict) -> None:
    run_feature_pipeline()
    close_vector_store()  # the embedded store: one process at a time holds it

    analysis = _run("-m", "tools.chunk_analysis", "--json")
    assert analysis.returncode == 0, analysis.stderr[-2000:]
    report = json.loads(analysis.stdout)
    assert report["status"] == "PASS" and report["chunks"] > 3 and report["unk_share"] < 0.001
    articles = next(c for c in report["collections"] if c["collection"] == "embedded_articles")
    assert articles["tokens"]["max"] <= 256 and articles["over_limit"] == 0

    failing = _run("tools/chunk_analysis.py", "--max-tokens", "20", "--collection", "embedded_articles")
    assert failing.returncode == 1 and "FAIL" in failing.stdout

    listed = _run("tools/qdrant_inspect.py", "list-collections", "--json")
    assert listed.returncode == 0, listed.stderr[-2000:]
    names = {row["name"]: row["points"] for row in json.loads(listed.stdout)}
    assert names["embedded_articles"] == articles["count"] and names["cleaned_articles"] == 1

    stats = _run("-m", "tools.qdrant_inspect", "collection-stats", "embedded_articles", "--json")
    assert json.loads(stats.stdout)["points_per_author"] == {AUTHOR: articles["count"]}

    sample = _run("-m", "tools.qdrant_inspect", "sample", "embedded_posts", "--limit", "1", "--with-vectors", "--json")
    assert len(json.loads(sample.stdout)[0]["embedding"]) == 384

    search = _run(
        "-m", "tools.qdrant_inspect", "search", "embedded_articles",
        "--query", "how do chunks overlap", "--limit", "2", "--author", AUTHOR, "--json",
    )  # fmt: skip
    hits = json.loads(search.stdout)
    assert len(hits) == 2 and all(hit["author_full_name"] == AUTHOR for hit in hits)
    assert hits[0]["score"] >= hits[1]["score"]
    nobody = _run("-m", "tools.qdrant_inspect", "search", "embedded_articles", "--query", "x", "--author", "Nobody")
    assert nobody.returncode != 0 and "Nobody" in nobody.stderr
    missing = _run("-m", "tools.qdrant_inspect", "sample", "no_such_collection")
    assert missing.returncode != 0 and "no_such_collection" in missing.stderr
