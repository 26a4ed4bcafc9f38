from __future__ import annotations

from typing import Annotated

from tqdm import tqdm
from zenml import log_metadata, step

from llm_engineering.application.preprocessing import feature_service
from llm_engineering.application.preprocessing.jsonl_stream import JsonlStream


@step(enable_cache=False)
def load_to_vector_db(documents: JsonlStream) -> Annotated[dict, "loaded_points"]:
    """Upsert a stream into Qdrant in batches (embedded chunks replace their document's old chunks)."""
    with tqdm(total=documents.count, desc=f"Loading {documents.kind}", unit="doc") as bar:
        written = feature_service.load_stream(documents, progress=bar.update)
    summary = {"kind": documents.kind, "documents": documents.count, "points_per_collection": written}
    log_metadata(metadata=summary)
    return summary
