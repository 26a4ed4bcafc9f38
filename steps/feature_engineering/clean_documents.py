from __future__ import annotations

from typing import Annotated

from tqdm import tqdm
from zenml import log_metadata, step

from llm_engineering.application.preprocessing import feature_service
from llm_engineering.application.preprocessing.jsonl_stream import JsonlStream
from steps.feature_engineering.materializers import JsonlStreamMaterializer


@step(enable_cache=False, output_materializers=JsonlStreamMaterializer)
def clean_documents(query: dict) -> Annotated[JsonlStream, "cleaned_documents"]:
    """Clean the queried documents; those whose cleaned content hash is unchanged are left out."""
    total = sum(query.get("estimated_documents", {}).values()) or None
    with tqdm(total=total, desc="Cleaning documents", unit="doc") as bar:
        stream, counts = feature_service.clean_documents(query.get("authors"), progress=bar.update)
    log_metadata(
        metadata={
            "documents": counts.total("documents"),
            "changed_or_new": counts.total("changed_or_new"),
            "skipped_unchanged": counts.total("skipped_unchanged"),
            "new": counts.total("new"),
            "re_embedded": counts.total("re_embedded"),
            "re_attributed": counts.total("re_attributed"),
            "unchanged": counts.total("unchanged"),
            # Paragraphs one author repeats across documents (see application/preprocessing/boilerplate.py).
            "boilerplate": {
                "paragraphs_per_author": counts.details.get("boilerplate_paragraphs_per_author", {}),
                "documents_with_boilerplate": counts.total("boilerplate_documents"),
                "paragraph_occurrences": counts.total("boilerplate_paragraphs"),
            },
            "per_category_and_author": counts.values,
        }
    )
    return stream
