"""Backups of the embedded store: consistent copies of its shard folders (edge cannot make snapshots).

The process doing it holds the store's one-process lock, so nothing else writes meanwhile; each shard is
flushed and closed before its folder is copied, so the copy is a clean, complete shard. Restoring copies the
shards back (each checked to open first) and never overwrites: a non-empty store is moved aside and kept.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import qdrant_edge as qe

from llm_engineering.domain.exceptions import LLMTwinException
from llm_engineering.infrastructure.vector_store.edge import CONFIG_FILE, EdgeVectorStore

MANIFEST = "moodswarm-backup.json"


class BackupError(LLMTwinException):
    """A backup or restore cannot proceed; the message says why and nothing was changed."""


def backup(store: EdgeVectorStore, destination: Path) -> dict[str, int]:
    """Copy every collection into `destination` (a new or empty folder). Returns points per collection."""
    destination = Path(destination)
    if destination.exists() and any(destination.iterdir()):
        raise BackupError(f"{destination} is not empty: choose a new folder (a backup never overwrites files)")
    staging = destination.with_name(f".{destination.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    points: dict[str, int] = {}
    for name in store.list_collections():
        points[name] = store.count(name)
        store.release(name)  # flushed and closed: the folder is a complete shard now
        shutil.copytree(store.root / name, staging / name)
    (staging / MANIFEST).write_text(json.dumps({"created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "points": points}))
    if destination.exists():
        destination.rmdir()
    staging.rename(destination)  # the backup appears complete or not at all
    return points


def restore(store: EdgeVectorStore, source: Path) -> tuple[dict[str, int], Path | None]:
    """Replace the store's collections with the backup's. A non-empty store is first moved aside (returned)."""
    source = Path(source)
    manifest = source / MANIFEST
    if not manifest.exists():
        raise BackupError(f"{source} is not a MoodSwarm vector-store backup (no {MANIFEST})")
    names = sorted(p.name for p in source.iterdir() if (p / CONFIG_FILE).exists())
    counts: dict[str, int] = {}
    stagings: dict[str, Path] = {}
    try:
        for name in names:  # copied and opened aside first: a bad backup changes nothing (and is never written)
            stagings[name] = store.root / f".{name}.restoring"
            shutil.rmtree(stagings[name], ignore_errors=True)
            shutil.copytree(source / name, stagings[name])
            shard = qe.EdgeShard.load(str(stagings[name]))
            counts[name] = shard.count(qe.CountRequest(exact=True))
            shard.flush()
            shard.close()
    except Exception as error:
        for staging in stagings.values():
            shutil.rmtree(staging, ignore_errors=True)
        raise BackupError(f"Cannot restore from {source}: {error}") from error
    kept: Path | None = None
    current = store.list_collections()
    if current:
        kept = store.root.with_name(f"{store.root.name}.before-restore-{time.strftime('%Y%m%d-%H%M%S')}")
        kept.mkdir(parents=True)
        for name in current:
            store.release(name)
            (store.root / name).rename(kept / name)
    for name, staging in stagings.items():
        staging.rename(store.root / name)
    return counts, kept
