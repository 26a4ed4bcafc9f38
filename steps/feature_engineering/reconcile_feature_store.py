from __future__ import annotations

from typing import Annotated

from zenml import log_metadata, step

from llm_engineering.application.preprocessing import feature_service


@step(enable_cache=False)
def reconcile_feature_store(full_rebuild: bool = False) -> Annotated[dict, "reconciled"]:
    """Prune cleaned documents and chunks whose raw document is gone; `full_rebuild` drops them all first."""
    dropped = feature_service.drop_feature_store() if full_rebuild else []
    summary = {"full_rebuild": full_rebuild, "dropped_collections": dropped, **feature_service.reconcile()}
    log_metadata(metadata=summary)
    return summary
