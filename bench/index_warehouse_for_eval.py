"""Index a warehouse dump for the retrieval evaluation, without ZenML (a stand-in for the full pipeline).

    python bench/index_warehouse_for_eval.py --data-dir ../shared/corpus/handbook_warehouse --home /tmp/eval-home

Imports <Class>.json users and raw documents into the embedded MongoDB of `--home` (upsert by id, so
re-running is safe), then cleans, chunks and embeds them with the project's own preprocessing
dispatchers and loads the embedded chunks into local-mode Qdrant under the same home. Then:

    MOODSWARM_HOME=/tmp/eval-home python -m tools.rag_eval --queries data/eval/handbook_queries.jsonl

The feature pipeline (`python -m tools.run --run-feature-engineering`) produces the same collections
with incremental bookkeeping and ZenML metadata; this script exists so the evaluation can run on any
dump in one step.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="Folder with UserDocument.json etc.")
    parser.add_argument("--home", type=Path, required=True, help="MOODSWARM_HOME to build (Mongo + Qdrant).")
    args = parser.parse_args()
    os.environ["MOODSWARM_HOME"] = str(args.home.resolve())
    os.environ.pop("DATABASE_HOST", None)
    os.environ.pop("QDRANT_URL", None)

    from tqdm import tqdm

    from llm_engineering.application.preprocessing.dispatchers import (
        ChunkingDispatcher,
        CleaningDispatcher,
        EmbeddingDispatcher,
    )
    from llm_engineering.domain.documents import RAW_DOCUMENT_CLASSES, UserDocument
    from llm_engineering.domain.embedded_chunks import EmbeddedChunk
    from llm_engineering.infrastructure.db.qdrant import close_qdrant_client

    started = time.perf_counter()
    users = _load(args.data_dir / "UserDocument.json", UserDocument)
    UserDocument.bulk_upsert(users)
    documents = []
    for document_class in RAW_DOCUMENT_CLASSES:
        loaded = _load(args.data_dir / f"{document_class.__name__}.json", document_class)
        document_class.bulk_upsert(loaded)
        documents += loaded
    print(f"warehouse: {len(users)} users, {len(documents)} documents")

    chunks = []
    for document in tqdm(documents, desc="clean + chunk"):
        chunks += ChunkingDispatcher.dispatch(CleaningDispatcher.dispatch(document))
    embedded = EmbeddingDispatcher.dispatch(chunks)
    for chunk_class, group in EmbeddedChunk.group_by_class(embedded).items():
        chunk_class.bulk_insert(group)
        print(f"{chunk_class.get_collection_name()}: {len(group)} chunks")
    close_qdrant_client()
    print(f"indexed in {time.perf_counter() - started:.1f} s under {args.home}")


def _load(path: Path, document_class: type) -> list:
    if not path.exists():
        return []
    return [document_class.from_mongo(record) for record in json.loads(path.read_text(encoding="utf-8"))]


if __name__ == "__main__":
    main()
