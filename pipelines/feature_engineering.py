from zenml import pipeline

from steps.feature_engineering import (
    chunk_and_embed,
    clean_documents,
    load_to_vector_db,
    query_data_warehouse,
    reconcile_feature_store,
)
from steps.feature_engineering.feature_report import feature_report


@pipeline
def feature_engineering(author_full_names: list[str] | None = None, full_rebuild: bool = False) -> None:
    """Warehouse -> cleaned documents and embedded chunks in Qdrant, incrementally and in sync.

    Every run first prunes what the warehouse no longer holds (`full_rebuild` drops the feature
    collections instead, so everything is rebuilt). The cleaned documents (whose content hash marks a
    document as done) are loaded only after the embedded chunks landed, so an interrupted run never
    leaves a document marked done without chunks.
    """
    query = query_data_warehouse(author_full_names)
    reconcile_feature_store(full_rebuild)
    cleaned = clean_documents(query, after="reconcile_feature_store")
    embedded = chunk_and_embed(cleaned)
    load_to_vector_db(embedded, id="load_embedded_chunks")
    load_to_vector_db(cleaned, id="load_cleaned_documents", after="load_embedded_chunks")
    feature_report(embedded, after="load_cleaned_documents")  # last: it reads every step's figures and timings
