"""Retrieval metrics on hand-computed cases, and clear errors for malformed query files."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from llm_engineering.application.rag.evaluation import InvalidQueryFile, load_queries, query_metrics, summarise


def test_metrics_count_documents_by_link() -> None:
    ranked = ["a", "a", "x", "b", None, "y", "z"]  # repeats and link-less hits do not take a rank
    metrics = query_metrics(ranked, frozenset({"b", "q"}))
    assert metrics["recall@1"] == 0 and metrics["recall@5"] == 0.5 and metrics["recall@10"] == 0.5
    assert metrics["mrr@10"] == pytest.approx(1 / 3)
    assert metrics["ndcg@10"] == pytest.approx((1 / math.log2(4)) / (1 + 1 / math.log2(3)))


def test_perfect_and_empty_rankings() -> None:
    assert query_metrics(["a", "b"], frozenset({"a", "b"})) == {
        "recall@1": 0.5,
        "recall@5": 1.0,
        "recall@10": 1.0,
        "mrr@10": 1.0,
        "ndcg@10": pytest.approx(1.0),
    }
    assert set(query_metrics([], frozenset({"a"})).values()) == {0.0}


def test_summary_means_and_percentiles() -> None:
    summary = summarise([query_metrics(["a"], frozenset({"a"})), query_metrics(["b"], frozenset({"a"}))], [10, 30])
    assert summary["recall@1"] == 0.5 and summary["p50_ms"] == 20


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", ":2: not JSON"),
        (json.dumps({"query": " ", "relevant_links": ["a"]}), ":2: 'query' must be a non-empty string"),
        (json.dumps({"query": "q", "relevant_links": []}), ":2: 'relevant_links' must be a non-empty list"),
        (json.dumps({"query": "q", "relevant_links": ["a"], "author": 3}), ":2: 'author' must be a string"),
    ],
)
def test_malformed_lines_name_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "queries.jsonl"
    path.write_text(json.dumps({"query": "ok", "relevant_links": ["a"]}) + "\n" + line + "\n")
    with pytest.raises(InvalidQueryFile, match=message):
        load_queries(path)


def test_shipped_query_files_are_valid() -> None:
    root = Path(__file__).resolve().parents[2] / "data" / "eval"
    assert len(load_queries(root / "handbook_queries.jsonl")) >= 30
    assert len(load_queries(root / "sample_queries.jsonl")) >= 10
