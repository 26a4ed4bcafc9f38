"""Kept for code written before the vector-store port: the store is built and closed in bootstrap.py."""

from llm_engineering.infrastructure.bootstrap import close_vector_store as close_qdrant_client

__all__ = ["close_qdrant_client"]
