"""Cleaning, chunking and embedding of warehouse documents (strategy handlers behind dispatchers)."""

from llm_engineering.application.preprocessing.dispatchers import (
    ChunkingDispatcher,
    CleaningDispatcher,
    EmbeddingDispatcher,
)

__all__ = ["ChunkingDispatcher", "CleaningDispatcher", "EmbeddingDispatcher"]
