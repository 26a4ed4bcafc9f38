"""Retrieval-quality metrics at document level (pure functions, no I/O).

A hit counts by its link: the ranked hits become the ranked list of distinct links (first occurrence
wins), which is compared with the query's relevant links. Binary relevance throughout. A relevant entry may
be a group of links (the same text published at several places): any one of them answers, and the group
counts once, so a question answered by one article published twice can still reach Recall@1 = 1.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from llm_engineering.domain.exceptions import LLMTwinException


class InvalidQueryFile(LLMTwinException):
    """A labelled query file is malformed (the message names the file and the line)."""


@dataclass(frozen=True)
class LabelledQuery:
    query: str
    relevant_links: frozenset[str]  # one representative link per relevant group
    author: str | None = None
    kind: str | None = None  # fact, topic, author-scoped, keyword, hard: figures are also reported per kind
    aliases: dict[str, str] = field(default_factory=dict)  # other links of a group -> its representative


def load_queries(path: Path) -> list[LabelledQuery]:
    """One JSON object per line: {"query": str, "relevant_links": [str | [str, ...], ...], "author": str,
    "kind": str} (author and kind optional; a list inside relevant_links is a group of equivalent links)."""
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
        query, links, author, kind = (record.get(key) for key in ("query", "relevant_links", "author", "kind"))
        if not isinstance(query, str) or not query.strip():
            raise InvalidQueryFile(f"{path}:{number}: 'query' must be a non-empty string")
        groups = _link_groups(links)
        if groups is None:
            raise InvalidQueryFile(
                f"{path}:{number}: 'relevant_links' must be a non-empty list of links or lists of equivalent links"
            )
        for name, value in (("author", author), ("kind", kind)):
            if value is not None and not isinstance(value, str):
                raise InvalidQueryFile(f"{path}:{number}: '{name}' must be a string when present")
        aliases = {link: group[0] for group in groups for link in group[1:]}
        representatives = frozenset(group[0] for group in groups)
        queries.append(LabelledQuery(query.strip(), representatives, author or None, kind or None, aliases))
    if not queries:
        raise InvalidQueryFile(f"{path}: no queries")
    return queries


def _link_groups(links: object) -> list[list[str]] | None:
    """relevant_links as groups of equivalent links, or None when malformed."""
    if not isinstance(links, list) or not links:
        return None
    groups = [entry if isinstance(entry, list) else [entry] for entry in links]
    if not all(group and all(isinstance(link, str) and link for link in group) for group in groups):
        return None
    return groups


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


def query_metrics(
    ranked_links: Sequence[str | None], relevant: frozenset[str], aliases: dict[str, str] | None = None
) -> dict[str, float]:
    aliases = aliases or {}
    ranked = distinct_links([aliases.get(link, link) if link else link for link in ranked_links])
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


def summarise_by_kind(
    queries: Sequence[LabelledQuery], per_query: list[dict[str, float]], latencies_ms: list[float]
) -> dict[str, dict[str, float]]:
    """summarise() per query kind (queries without a kind are left out); empty when no query has one."""
    kinds: dict[str, list[int]] = {}
    for index, labelled in enumerate(queries):
        if labelled.kind:
            kinds.setdefault(labelled.kind, []).append(index)
    return {
        kind: {
            "queries": len(indices),
            **summarise([per_query[i] for i in indices], [latencies_ms[i] for i in indices]),
        }
        for kind, indices in sorted(kinds.items())
    }


def run_queries(
    search: Callable[[LabelledQuery], Sequence[object]], queries: Sequence[LabelledQuery]
) -> tuple[list[dict[str, float]], list[float]]:
    """Each query's metrics and latency in ms; `search(query)` returns hits that carry a `link`."""
    per_query, latencies = [], []
    for labelled in queries:
        started = time.perf_counter()
        hits = search(labelled)
        latencies.append((time.perf_counter() - started) * 1000)
        links = [getattr(hit, "link", None) for hit in hits]
        per_query.append(query_metrics(links, labelled.relevant_links, labelled.aliases))
    return per_query, latencies
