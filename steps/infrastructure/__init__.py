from steps.infrastructure.smoke_checks import check_embedding_model, check_feature_store, check_mongodb, check_qdrant

__all__ = ["check_embedding_model", "check_feature_store", "check_mongodb", "check_qdrant"]
