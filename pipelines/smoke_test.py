from zenml import pipeline

from steps.infrastructure import check_embedding_model, check_mongodb, check_qdrant


@pipeline(enable_cache=False)
def smoke_test() -> None:
    """MongoDB answers, Qdrant answers, the embedding model loads and returns a 384-dim vector."""
    check_mongodb()
    check_qdrant()
    check_embedding_model()
