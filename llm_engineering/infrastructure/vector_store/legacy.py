"""Homes made before the embedded store: qdrant-client's local-mode folder (`MOODSWARM_HOME/qdrant`).

The embedded store does not read that folder. Opening a home that still has one logs how to move it over;
`migrate_local_mode` copies every collection through the port (scroll out, upsert in) and then renames the old
folder to `qdrant.migrated` (kept, never deleted).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from loguru import logger

from llm_engineering.domain.base.vector_store import CollectionSpec, Point, VectorStore
from llm_engineering.domain.exceptions import LLMTwinException
from llm_engineering.settings import Settings

MIGRATE_COMMAND = "python -m tools.vector_store migrate-local-mode"
PAGE = 512


def has_local_mode_folder(settings: Settings) -> bool:
    return (settings.legacy_qdrant_path / "collection").is_dir()


def warn_about_local_mode_folder(settings: Settings) -> None:
    if has_local_mode_folder(settings):
        logger.warning(
            f"{settings.legacy_qdrant_path} holds vectors stored by qdrant-client's local mode, which MoodSwarm no "
            f"longer reads (the embedded store lives in {settings.vector_store_path}). Copy them over with: "
            f"{MIGRATE_COMMAND}"
        )


def migrate_local_mode(
    settings: Settings, target: VectorStore, progress: Callable[[str, int], None] | None = None
) -> dict[str, int]:
    """Copy every local-mode collection into `target` (upserts by id: safe to re-run). Returns points per collection."""
    from qdrant_client import QdrantClient

    from llm_engineering.infrastructure.vector_store.server import ServerVectorStore

    folder = settings.legacy_qdrant_path
    if not has_local_mode_folder(settings):
        raise LLMTwinException(f"No qdrant-client local-mode folder at {folder}: nothing to migrate")
    try:
        source = ServerVectorStore(QdrantClient(path=str(folder)))
    except RuntimeError as error:
        raise LLMTwinException(f"Cannot open {folder}: {error}. Stop the process that uses it.") from None
    copied: dict[str, int] = {}
    try:
        for name in source.list_collections():
            info = source.describe(name)
            target.create_collection(CollectionSpec(name=name, dense_size=info.dense_size))
            copied[name] = 0
            offset: str | None = None
            while True:
                hits, offset = source.scroll(name, PAGE, offset, with_vectors=True)
                target.upsert(name, [Point(hit.id, hit.payload, hit.dense, hit.sparse) for hit in hits])
                copied[name] += len(hits)
                if progress:
                    progress(name, len(hits))
                if offset is None:
                    break
            target.finish_load(name)
    finally:
        source.close()
    _retire(folder)
    return copied


def _retire(folder: Path) -> None:
    retired = folder.with_name("qdrant.migrated")
    suffix = 1
    while retired.exists():
        suffix += 1
        retired = folder.with_name(f"qdrant.migrated-{suffix}")
    folder.rename(retired)
    logger.info(f"Migrated; the old local-mode folder is kept as {retired}")
