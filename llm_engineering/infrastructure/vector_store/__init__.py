"""Adapters of the vector-store port (llm_engineering.domain.base.vector_store): one per engine."""
