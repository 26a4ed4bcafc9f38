"""The HTTP service as a real uvicorn process on loopback, and the CLI's --json output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
from click.testing import CliRunner

from llm_engineering.infrastructure.bootstrap import close_vector_store
from llm_engineering.settings import REPO_ROOT
from tests.rag.conftest import KnowledgeBase
from tests.rag.fake_llm import closed_port


@pytest.fixture
def service(knowledge_base: KnowledgeBase) -> Iterator[str]:
    close_vector_store()  # the embedded store allows one process: the service takes it over
    port = closed_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tools.inference_service", "--port", str(port), "--log-level", "warning"],
        cwd=REPO_ROOT,
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                pytest.fail(f"the service exited: {process.stdout.read().decode(errors='replace')}")
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("the service did not answer /health within 90 s")
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_http_service(service: str, knowledge_base: KnowledgeBase) -> None:
    health = httpx.get(f"{service}/health").json()
    assert health["status"] == "ok"
    assert health["collections"] == {"embedded_articles": 6, "embedded_posts": 3, "embedded_repositories": 2}

    response = httpx.post(f"{service}/search", json={"query": "graph attention network", "k": 3}, timeout=60)
    assert response.status_code == 200
    body = response.json()
    assert body["mode"] == "hybrid" and body["author"] is None and len(body["hits"]) == 3
    top = body["hits"][0]
    assert top["rank"] == 1 and top["collection"] == "embedded_articles"
    assert top["content"].startswith("A graph attention network") and top["link"] == "https://blog.example/gnn"
    assert top["author_full_name"] == "José Núñez"
    assert set(top) == {
        "rank", "score", "dense_score", "lexical_score", "collection", "chunk_id", "document_id", "link",
        "author_full_name", "content",
    }  # fmt: skip
    assert -1.0 <= top["dense_score"] <= 1.0 and top["lexical_score"] >= 0.0

    by_author = httpx.post(
        f"{service}/search", json={"query": "deployment", "k": 2, "author": "MULLER", "mode": "dense"}, timeout=60
    ).json()
    assert by_author["author"]["full_name"] == "Ana Müller" and by_author["author"]["source"] == "explicit"
    assert {hit["author_full_name"] for hit in by_author["hits"]} == {"Ana Müller"}

    cases = [
        ({"query": ""}, "query"),
        ({"query": "   "}, "query must not be empty or blank"),
        ({"query": "x", "k": 0}, "k: Input should be greater than or equal to 1"),
        ({"query": "x", "k": 1000}, "k: Input should be less than or equal to 100"),
        ({"query": "x", "mode": "sparse"}, "mode"),
        ({"k": 3}, "query: Field required"),
        ({"query": "x", "author": "Nobody Known"}, "known authors: Ana Müller, José Núñez"),
    ]
    for payload, message in cases:
        failed = httpx.post(f"{service}/search", json=payload, timeout=60)
        assert failed.status_code == 422, payload
        assert message in failed.json()["message"], failed.json()

    schema = httpx.get(f"{service}/openapi.json").json()
    assert "/search" in schema["paths"] and "/health" in schema["paths"]
    assert schema["components"]["schemas"]["SearchRequest"]["properties"]["k"]["maximum"] == 100


def test_cli_json(knowledge_base: KnowledgeBase) -> None:
    from tools.rag import main

    result = CliRunner().invoke(main, ["--query", "zx81_checksum", "--k", "2", "--json"])
    assert result.exit_code == 0, result.output
    output = json.loads(result.output)
    assert output["author_filter"] == {
        "author": None,
        "author_id": None,
        "source": None,
        "reason": "no known author is named in the query: no author filter",
    }
    hits = output["hits"]
    assert [hit["rank"] for hit in hits] == [1, 2]
    assert hits[0]["collection"] == "embedded_repositories" and "zx81_checksum" in hits[0]["content"]
    assert hits[0]["link"] == "https://git.example/jose/tools"

    unknown = CliRunner().invoke(main, ["--query", "graphs", "--author", "Nobody Known"])
    assert unknown.exit_code == 1 and "is not in the warehouse" in unknown.output


def test_rag_eval_reports_both_modes(knowledge_base: KnowledgeBase, tmp_path) -> None:  # noqa: ANN001
    from tools.rag_eval import main

    queries = tmp_path / "queries.jsonl"
    lines = [
        {"query": "zx81_checksum", "relevant_links": ["https://git.example/jose/tools"]},
        {"query": "graph attention coefficients", "relevant_links": ["https://blog.example/gnn"]},
        {"query": "4-bit integers", "relevant_links": ["https://blog.example/quant"], "author": "Ana Müller"},
    ]
    queries.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["--queries", str(queries), "--k", "5", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)  # stderr may carry a log line
    assert report["queries"] == 3 and set(report["modes"]) == {"dense", "hybrid"}
    hybrid = report["modes"]["hybrid"]
    assert hybrid["recall@5"] == 1.0 and hybrid["p95_ms"] >= hybrid["p50_ms"] > 0


def test_rag_eval_reports_each_queries_file_then_all_together(knowledge_base: KnowledgeBase, tmp_path) -> None:  # noqa: ANN001
    from tools.rag_eval import main

    first, second = tmp_path / "tuning.jsonl", tmp_path / "tuning2.jsonl"
    first.write_text(json.dumps({"query": "zx81_checksum", "relevant_links": ["https://git.example/jose/tools"]}))
    second.write_text(
        json.dumps({"query": "graph attention coefficients", "relevant_links": ["https://blog.example/nowhere"]})
        + "\n"
        + json.dumps({"query": "4-bit integers", "relevant_links": ["https://blog.example/quant"], "kind": "fact"})
    )
    args = ["--queries", str(first), "--queries", str(second), "--k", "5", "--mode", "hybrid", "--json"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["queries"] == 3 and report["queries_file"] == f"{first} + {second}"
    sets = report["sets"]
    assert sets[str(first)]["queries"] == 1 and sets[str(first)]["modes"]["hybrid"]["recall@5"] == 1.0
    assert sets[str(second)]["queries"] == 2 and sets[str(second)]["modes"]["hybrid"]["recall@5"] == 0.5
    assert report["modes"]["hybrid"]["recall@5"] == pytest.approx(2 / 3)  # every query of both files once
    assert report["by_kind"]["hybrid"]["fact"]["queries"] == 1
