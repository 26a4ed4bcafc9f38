"""Retrieval-quality metrics at document level (pure functions, no I/O).

A hit counts by its link: the ranked hits become the ranked list of distinct links (first occurrence
wins), which is compared with the query's relevant links. Binary relevance throughout.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from llm_engineering.domain.exceptions import LLMTwinException


class InvalidQueryFile(LLMTwinException):
    """A labelled query file is malformed (the message names the file and the line)."""


@dataclass(frozen=True)
class LabelledQuery:
    query: str
    relevant_links: frozenset[str]
    author: str | None = None


def load_queries(path: Path) -> list[LabelledQuery]:
    """One JSON object per line: {"query": str, "relevant_links": [str, ...], "author": str (optional)}."""
    if not path.is_file():
        raise InvalidQueryFile(f"{path}: no such file")
    queries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise InvalidQueryFile(f"{path}:{number}: not JSON ({error.msg})") from None
        query, links, author = (record.get(key) for key in ("query", "relevant_links", "author"))
        if not isinstance(query, str) or not query.strip():
            raise InvalidQueryFile(f"{path}:{number}: 'query' must be a non-empty string")
        if not isinstance(links, list) or not links or not all(isinstance(link, str) and link for link in links):
            raise InvalidQueryFile(f"{path}:{number}: 'relevant_links' must be a non-empty list of links")
        if author is not None and not isinstance(author, str):
            raise InvalidQueryFile(f"{path}:{number}: 'author' must be a string when present")
        queries.append(LabelledQuery(query.strip(), frozenset(links), author or None))
    if not queries:
        raise InvalidQueryFile(f"{path}: no queries")
    return queries


def distinct_links(links: Sequence[str | None]) -> list[str]:
    seen: dict[str, None] = {}
    for link in links:
        if link and link not in seen:
            seen[link] = None
    return list(seen)


def recall_at(ranked: Sequence[str], relevant: frozenset[str], n: int) -> float:
    return len(relevant.intersection(ranked[:n])) / len(relevant)


def reciprocal_rank_at(ranked: Sequence[str], relevant: frozenset[str], n: int) -> float:
    for position, link in enumerate(ranked[:n], start=1):
        if link in relevant:
            return 1.0 / position
    return 0.0


def ndcg_at(ranked: Sequence[str], relevant: frozenset[str], n: int) -> float:
    gain = sum(1.0 / math.log2(position + 1) for position, link in enumerate(ranked[:n], start=1) if link in relevant)
    ideal = sum(1.0 / math.log2(position + 1) for position in range(1, min(len(relevant), n) + 1))
    return gain / ideal


def query_metrics(ranked_links: Sequence[str | None], relevant: frozenset[str]) -> dict[str, float]:
    ranked = distinct_links(ranked_links)
    return {
        "recall@1": recall_at(ranked, relevant, 1),
        "recall@5": recall_at(ranked, relevant, 5),
        "recall@10": recall_at(ranked, relevant, 10),
        "mrr@10": reciprocal_rank_at(ranked, relevant, 10),
        "ndcg@10": ndcg_at(ranked, relevant, 10),
    }


def summarise(per_query: list[dict[str, float]], latencies_ms: list[float]) -> dict[str, float]:
    """Mean of each metric over the queries, plus latency percentiles."""
    summary = {name: float(np.mean([metrics[name] for metrics in per_query])) for name in per_query[0]}
    summary["p50_ms"] = float(np.percentile(latencies_ms, 50))
    summary["p95_ms"] = float(np.percentile(latencies_ms, 95))
    return summary
