"""Retrieval metrics on hand-computed cases, and clear errors for malformed query files."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from llm_engineering.application.rag.evaluation import (
    InvalidQueryFile,
    load_queries,
    query_metrics,
    summarise,
    summarise_by_kind,
)


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
        (json.dumps({"query": "q", "relevant_links": [["a", ""]]}), ":2: 'relevant_links' must be a non-empty list"),
        (json.dumps({"query": "q", "relevant_links": ["a"], "kind": 1}), ":2: 'kind' must be a string"),
    ],
)
def test_malformed_lines_name_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "queries.jsonl"
    path.write_text(json.dumps({"query": "ok", "relevant_links": ["a"]}) + "\n" + line + "\n")
    with pytest.raises(InvalidQueryFile, match=message):
        load_queries(path)


def test_a_link_group_is_one_relevant_document(tmp_path: Path) -> None:
    path = tmp_path / "queries.jsonl"
    record = {"query": "q", "relevant_links": [["medium/a", "substack/a"], "b"], "kind": "fact"}
    path.write_text(json.dumps(record) + "\n" + json.dumps({"query": "r", "relevant_links": ["b"]}) + "\n")
    labelled = load_queries(path)
    assert labelled[0].relevant_links == frozenset({"medium/a", "b"}) and labelled[0].kind == "fact"
    # The second copy answers as well as the first, and both copies in the ranking count once.
    metrics = query_metrics(["substack/a", "medium/a", "b"], labelled[0].relevant_links, labelled[0].aliases)
    assert metrics["recall@1"] == 0.5 and metrics["recall@5"] == 1.0 and metrics["ndcg@10"] == pytest.approx(1.0)
    per_query = [metrics, query_metrics(["x"], labelled[1].relevant_links)]
    by_kind = summarise_by_kind(labelled, per_query, [10.0, 20.0])
    assert list(by_kind) == ["fact"] and by_kind["fact"]["queries"] == 1 and by_kind["fact"]["recall@5"] == 1.0


def test_shipped_query_files_are_valid() -> None:
    root = Path(__file__).resolve().parents[2] / "data" / "eval"
    assert len(load_queries(root / "handbook_queries.jsonl")) >= 30
    for name in ("handbook_tuning2.jsonl", "handbook_tuning3.jsonl"):
        tuning = load_queries(root / name)
        assert len(tuning) >= 60 and {query.kind for query in tuning} >= {"fact", "topic", "hard", "keyword"}
    heldout = load_queries(root / "handbook_heldout.jsonl")
    assert len(heldout) >= 40 and {query.kind for query in heldout} >= {"fact", "topic", "author-scoped", "keyword"}
    assert len(load_queries(root / "sample_queries.jsonl")) >= 10
