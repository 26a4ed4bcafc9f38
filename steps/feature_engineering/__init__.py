from steps.feature_engineering.chunk_and_embed import chunk_and_embed
from steps.feature_engineering.clean_documents import clean_documents
from steps.feature_engineering.load_to_vector_db import load_to_vector_db
from steps.feature_engineering.query_data_warehouse import query_data_warehouse
from steps.feature_engineering.reconcile_feature_store import reconcile_feature_store

__all__ = ["chunk_and_embed", "clean_documents", "load_to_vector_db", "query_data_warehouse", "reconcile_feature_store"]
