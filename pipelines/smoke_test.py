from zenml import pipeline

from steps.infrastructure import check_embedding_model, check_feature_store, check_mongodb, check_qdrant


@pipeline(enable_cache=False)
def smoke_test() -> None:
    """MongoDB answers, Qdrant answers, the model returns a 384-dim vector, the store matches the warehouse."""
    check_mongodb()
    check_qdrant()
    check_embedding_model()
    check_feature_store(after=["check_mongodb", "check_qdrant"])
