"""Retrieval (RAG): self-query, hybrid dense + BM25 search, optional LLM expansion and reranking.

Importing this package does no I/O: stores, models and the LLM endpoint are reached on first search.
"""

from llm_engineering.application.rag.authors import AuthorDirectory, KnownAuthor, UnknownAuthor
from llm_engineering.application.rag.collection_search import SEARCH_MODES, SearchMode
from llm_engineering.application.rag.hits import hit_to_dict, hits_to_dicts
from llm_engineering.application.rag.retriever import MAX_K, ContextRetriever, InvalidQuery, RetrievalResult

__all__ = [
    "MAX_K",
    "SEARCH_MODES",
    "AuthorDirectory",
    "ContextRetriever",
    "InvalidQuery",
    "KnownAuthor",
    "RetrievalResult",
    "SearchMode",
    "UnknownAuthor",
    "hit_to_dict",
    "hits_to_dicts",
]
