"""Heading match: how much of a question stands in a hit's title and section headings.

An article or post chunk carries its context line, "Title > Section > Subsection" (metadata["context"], see
preprocessing/chunk_context.py). A question naming what an article is about ("the article about X") shares
its terms with that line; BM25 over the whole chunk text dilutes them among the passage's own words. The
match is the share of the question's distinct BM25 terms (same tokenisation as the index) found in the line:
0 when none or no context, 1 when all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import TypeVar

from llm_engineering.application.networks.sparse import Bm25Recipe, terms

T = TypeVar("T")


def query_terms(text: str, recipe: Bm25Recipe | None = None) -> frozenset[str]:
    return frozenset(terms(text, recipe))


@lru_cache(maxsize=20_000)
def _line_terms(line: str, recipe: Bm25Recipe | None) -> frozenset[str]:
    """Cached: the same title and headings come back with every chunk of a section, query after query."""
    return frozenset(terms(line, recipe))


def heading_match(question: frozenset[str], line: str | None, recipe: Bm25Recipe | None = None) -> float:
    """Share of the question's terms found in the context line (0 for no line or no terms)."""
    if not question or not line:
        return 0.0
    return len(question & _line_terms(line, recipe)) / len(question)


def heading_boost(
    ranked: Sequence[tuple[T, float]],
    question: frozenset[str],
    line: Callable[[T], str | None],
    weight: float,
    recipe: Bm25Recipe | None = None,
) -> list[tuple[T, float]]:
    """Each score plus `weight` x its heading match, re-sorted (stable: ties keep their order)."""
    if weight <= 0 or not question:
        return list(ranked)
    rescored = [(item, score + weight * heading_match(question, line(item), recipe)) for item, score in ranked]
    return sorted(rescored, key=lambda pair: pair[1], reverse=True)
