"""Backups, restores and the local-mode migration of the embedded vector store, as users run them."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import numpy as np
import pytest
from loguru import logger
from qdrant_client import QdrantClient

from llm_engineering.application.preprocessing.text_sketch import text_sketch
from llm_engineering.domain.base.vector import SparseEmbedding, author_filter
from llm_engineering.domain.base.vector_store import CollectionSpec, Point, SparseVector
from llm_engineering.domain.embedded_chunks import EmbeddedArticleChunk
from llm_engineering.infrastructure.bootstrap import close_vector_store, get_vector_store
from llm_engineering.infrastructure.vector_store.legacy import (
    MIGRATE_COMMAND,
    has_local_mode_folder,
    migrate_local_mode,
)
from llm_engineering.infrastructure.vector_store.server import ServerVectorStore
from llm_engineering.settings import get_settings

REPO_ROOT = Path(__file__).resolve().parent.parent
AUTHOR = uuid.uuid4()


def _chunks(count: int) -> list[EmbeddedArticleChunk]:
    rng = np.random.default_rng(count)
    chunks = []
    for n in range(count):
        vector = rng.normal(size=384)
        chunks.append(
            EmbeddedArticleChunk(
                content=f"chunk {n}",
                embedding=(vector / np.linalg.norm(vector)).tolist(),
                sparse_embedding=SparseEmbedding(indices=[n + 1], values=[1.0]),
                platform="example.org",
                document_id=uuid.uuid4(),
                author_id=AUTHOR,
                author_full_name="A",
                link=f"https://example.org/{n}",
            )
        )
    return chunks


def _tool(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "MOODSWARM_HOME": str(get_settings().home)}
    return subprocess.run([sys.executable, "-m", "tools.vector_store", *args], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def test_backup_then_restore_in_other_processes(qdrant_local: Path, tmp_path: Path) -> None:
    chunks = _chunks(30)
    EmbeddedArticleChunk.bulk_insert(chunks)
    close_vector_store()  # the tool's process takes the store over

    made = _tool("backup", str(tmp_path / "backup"))
    assert made.returncode == 0, made.stderr[-2000:]
    assert "embedded_articles" in made.stdout and "30 points" in made.stdout
    again = _tool("backup", str(tmp_path / "backup"))
    assert again.returncode != 0 and "not empty" in again.stderr

    EmbeddedArticleChunk.delete(author_filter(AUTHOR))
    assert EmbeddedArticleChunk.count() == 0
    close_vector_store()
    restored = _tool("restore", str(tmp_path / "backup"))
    assert restored.returncode == 0, restored.stderr[-2000:]
    assert "kept in" in restored.stdout  # the emptied store was moved aside, not overwritten
    assert EmbeddedArticleChunk.count() == 30
    (best,) = EmbeddedArticleChunk.search(chunks[3].embedding, limit=1)
    assert best.id == chunks[3].id


def test_chunks_without_text_sketches_get_them_once(qdrant_local: Path) -> None:
    chunks = _chunks(12)
    chunks[0].text_sketch = text_sketch(chunks[0].content)
    EmbeddedArticleChunk.bulk_insert(chunks)
    close_vector_store()

    first = _tool("add-text-sketches")
    assert first.returncode == 0, first.stderr[-2000:]
    assert "embedded_articles" in first.stdout and "11 chunks sketched" in first.stdout
    stored = {chunk.id: chunk for chunk in EmbeddedArticleChunk.iter_all(with_vectors=True)}
    assert all(chunk.text_sketch == text_sketch(chunk.content) for chunk in stored.values())
    assert stored[chunks[5].id].embedding == pytest.approx(chunks[5].embedding)  # vectors untouched
    close_vector_store()
    again = _tool("add-text-sketches")
    assert again.returncode == 0 and "0 chunks sketched" in again.stdout


def test_local_mode_folder_is_migrated_then_kept_aside(qdrant_local: Path) -> None:
    settings = get_settings()
    old = ServerVectorStore(QdrantClient(path=str(settings.legacy_qdrant_path)))
    old.create_collection(CollectionSpec(name="embedded_articles", dense_size=384))
    points = [chunk.to_point() for chunk in _chunks(600)]
    old.upsert("embedded_articles", points)
    old.create_collection(CollectionSpec(name="cleaned_articles", dense_size=None))
    old.upsert("cleaned_articles", [Point(str(uuid.uuid4()), {"content": "c"}, None, None)])
    old.close()
    assert has_local_mode_folder(settings)
    messages: list[str] = []
    sink = logger.add(messages.append, level="WARNING")
    try:
        close_vector_store()
        get_vector_store()  # opening the home says what to do with the old folder
    finally:
        logger.remove(sink)
    assert any(MIGRATE_COMMAND in message and str(settings.legacy_qdrant_path) in message for message in messages)

    copied = migrate_local_mode(settings, get_vector_store())
    assert copied == {"embedded_articles": 600, "cleaned_articles": 1}
    assert not has_local_mode_folder(settings) and (settings.home / "qdrant.migrated").is_dir()
    (found,) = EmbeddedArticleChunk.retrieve([points[10].id], with_vectors=True)
    assert np.allclose(found.embedding, points[10].dense, atol=1e-6)
    assert found.sparse_embedding.to_port() == SparseVector(points[10].sparse.indices, points[10].sparse.values)


def test_optimize_gives_an_older_store_its_int8_copy(qdrant_local: Path) -> None:
    import qdrant_edge as qe

    from llm_engineering.infrastructure.vector_store.edge import CONFIG_FILE

    root = qdrant_local
    root.mkdir(parents=True, exist_ok=True)
    # A collection as the previous version made it (its runtime settings, float vectors only) with a tiny indexing
    # threshold, so that these few points get the index a large store gets.
    shard = qe.EdgeShard.create(
        str(root / "embedded_articles"),
        qe.EdgeConfig(
            payload_memory=qe.Memory.Cached,
            max_search_threads=1,
            vectors={"dense": qe.EdgeVectorParams(size=384, distance=qe.Distance.Cosine)},
            sparse_vectors={"bm25": qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
            optimizers=qe.EdgeOptimizersConfig(indexing_threshold=4),
        ),
    )
    shard.close()
    chunks = _chunks(300)
    EmbeddedArticleChunk.bulk_insert(chunks)
    close_vector_store()
    assert "quantization_config" in (root / "embedded_articles" / CONFIG_FILE).read_text()  # upgraded on load
    assert not list((root / "embedded_articles").rglob("quantized.data"))  # ...but not built yet

    done = _tool("optimize")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "embedded_articles" in done.stdout and "300 points" in done.stdout
    assert list((root / "embedded_articles").rglob("quantized.data"))
    best = get_vector_store().query_dense("embedded_articles", chunks[7].embedding, 1)[0]
    assert best.id == str(chunks[7].id) and best.score == pytest.approx(1.0, abs=1e-5)  # rescored: the float cosine
    close_vector_store()
    assert _tool("optimize").returncode == 0  # safe to re-run
