"""Optional LLM self-query: ask the chat endpoint for the author a query names.

Used only when the rule-based detector found nobody. The LLM's answer is only a *name*: it must still
resolve to a user already in the warehouse, so a hallucinated or misspelled name filters nothing.
"""

from __future__ import annotations

from loguru import logger

from llm_engineering.application.rag.authors import AuthorDirectory, KnownAuthor, UnknownAuthor
from llm_engineering.application.rag.llm_client import ChatClient, LLMUnavailable

_SYSTEM = (
    "Extract the name of the person whose writing the user asks about. Answer with the name only, "
    "exactly as written in the query, or with the single word none if no person is named."
)


class LLMAuthorExtractor:
    def __init__(self, client: ChatClient, directory: AuthorDirectory) -> None:
        self.client = client
        self.directory = directory

    def extract(self, query: str) -> KnownAuthor | None:
        try:
            answer = self.client.complete(_SYSTEM, query).strip().strip(".\"'")
        except LLMUnavailable as error:
            logger.warning(f"LLM self-query skipped: {error}")
            return None
        if not answer or answer.casefold() == "none" or len(answer) > 100:
            return None
        try:
            return self.directory.resolve(answer)
        except UnknownAuthor:
            logger.info(f"LLM self-query named {answer!r}, who is not in the warehouse: no author filter")
            return None
