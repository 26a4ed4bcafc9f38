"""Optional query expansion: an LLM rewrites the question a few ways, each rewrite is searched too.

The original query always comes first. Any LLM failure logs a warning and leaves the original alone:
expansion can only add recall, never break a search.
"""

from __future__ import annotations

import re

from loguru import logger

from llm_engineering.application.rag.llm_client import ChatClient, LLMUnavailable

_SYSTEM = (
    "You rewrite search queries for a retrieval system over technical articles, posts and code. "
    "Given a query, write {n} alternative phrasings that keep its meaning but vary the vocabulary. "
    "Answer with one rewrite per line, no numbering, nothing else."
)
_NUMBERING = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s*")
MAX_REWRITE_CHARS = 500


class QueryExpander:
    def __init__(self, client: ChatClient) -> None:
        self.client = client

    def expand(self, query: str, n: int) -> list[str]:
        """[query, rewrite1, ...] with at most n distinct rewrites; [query] if the LLM fails."""
        if n <= 0:
            return [query]
        try:
            answer = self.client.complete(_SYSTEM.format(n=n), query, temperature=0.7)
        except LLMUnavailable as error:
            logger.warning(f"Query expansion skipped, searching the original query only: {error}")
            return [query]
        queries = [query]
        seen = {query.strip().casefold()}
        for line in answer.splitlines():
            rewrite = _NUMBERING.sub("", line).strip().strip('"').strip()
            if rewrite and len(rewrite) <= MAX_REWRITE_CHARS and rewrite.casefold() not in seen:
                seen.add(rewrite.casefold())
                queries.append(rewrite)
            if len(queries) > n:
                break
        if len(queries) == 1:
            logger.warning("Query expansion returned no usable rewrite; searching the original query only")
        return queries
