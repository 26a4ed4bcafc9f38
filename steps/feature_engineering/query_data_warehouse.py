from __future__ import annotations

from typing import Annotated

from zenml import log_metadata, step

from llm_engineering.application.preprocessing import feature_service


# Never cached: the warehouse changes between runs while this step's parameters do not.
@step(enable_cache=False)
def query_data_warehouse(author_full_names: list[str] | None = None) -> Annotated[dict, "warehouse_query"]:
    """Which authors to process (None = all). Reads users only; creates nothing."""
    authors = feature_service.resolve_authors(author_full_names)
    query = {"authors": authors, "estimated_documents": feature_service.estimated_documents()}
    log_metadata(
        metadata={
            "authors": [a["full_name"] for a in authors] if authors else "all",
            "estimated_documents": query["estimated_documents"],
        }
    )
    return query
