from llm_engineering.application.networks.embeddings import EmbeddingModel, get_embedding_model

__all__ = ["EmbeddingModel", "get_embedding_model"]
