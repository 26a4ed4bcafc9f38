from __future__ import annotations

from typing import Annotated

from tqdm import tqdm
from zenml import log_metadata, step

from llm_engineering.application.preprocessing import feature_service
from llm_engineering.application.preprocessing.jsonl_stream import JsonlStream
from steps.feature_engineering.materializers import JsonlStreamMaterializer


@step(enable_cache=False, output_materializers=JsonlStreamMaterializer)
def chunk_and_embed(cleaned_documents: JsonlStream) -> Annotated[JsonlStream, "embedded_chunks"]:
    """Chunk the changed documents to the model's token limit and embed them (dense + BM25)."""
    with tqdm(total=cleaned_documents.count, desc="Chunking and embedding", unit="doc") as bar:
        stream, counts, token_counts = feature_service.chunk_and_embed(cleaned_documents, progress=bar.update)
    log_metadata(
        metadata={
            "documents": counts.total("documents"),
            "chunks": counts.total("chunks"),
            "embeddings": counts.total("embeddings"),
            # Chunks made mostly of their author's boilerplate paragraphs (flagged in the payload, still indexed).
            "boilerplate_chunks": counts.total("boilerplate_chunks"),
            "tokens_per_chunk": feature_service.token_summary(token_counts),
            "per_category_and_author": counts.values,
        }
    )
    return stream
