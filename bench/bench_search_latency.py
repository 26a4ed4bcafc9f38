"""Search latency of one embedded collection in qdrant-client local mode: dense vs hybrid, 1k to 100k chunks.

    python bench/bench_search_latency.py [--sizes 1000 10000 100000] [--queries 50]

Synthetic data: random unit 384-dim dense vectors and BM25-like sparse vectors (about 60 terms per chunk
drawn from a Zipf-distributed 30k-term vocabulary, so common terms have long posting lists as in text).
Each query runs `search_collection` (the retriever's own Qdrant call) with limit 30, like a k=10 search.
Local mode is brute force in Python/numpy; a Qdrant server (QDRANT_URL) uses HNSW and inverted indexes.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

VOCABULARY = 30_000
TERMS_PER_CHUNK = 60
QUERY_TERMS = 5
LIMIT = 30


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--batch", type=int, default=5_000, help="Upsert batch size while building.")
    parser.add_argument(
        "--on-disk", action="store_true", help="Persist to a temp folder (slower build; search is the same)."
    )
    args = parser.parse_args()

    from qdrant_client import QdrantClient, models

    from llm_engineering.application.rag.collection_search import search_collection
    from llm_engineering.domain.base.vector import SparseEmbedding
    from llm_engineering.domain.embedded_chunks import EmbeddedArticleChunk
    from llm_engineering.infrastructure.db import qdrant as qdrant_adapter

    rng = np.random.default_rng(42)
    rows = []
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="bench-qdrant-") as folder:
            # Local mode searches in memory either way; a path only adds SQLite persistence to the build.
            client = QdrantClient(path=folder) if args.on_disk else QdrantClient(location=":memory:")
            qdrant_adapter._client = client  # the retriever's own code path, on this benchmark's storage
            EmbeddedArticleChunk.create_collection()
            started = time.perf_counter()
            for start in range(0, size, args.batch):
                count = min(args.batch, size - start)
                client.upsert(
                    EmbeddedArticleChunk.get_collection_name(),
                    points=_points(rng, start, count, models),
                    wait=True,
                )
            build_s = time.perf_counter() - started
            timings = {}
            for mode in ("dense", "hybrid"):
                latencies = []
                for _ in range(args.queries + 3):
                    dense = _unit(rng, 1)[0].tolist()
                    terms = sorted(set(_zipf_terms(rng, QUERY_TERMS)))
                    sparse = SparseEmbedding(indices=terms, values=[1.0] * len(terms))
                    begun = time.perf_counter()
                    hits = search_collection(EmbeddedArticleChunk, dense, sparse, LIMIT, mode)
                    latencies.append((time.perf_counter() - begun) * 1000)
                    assert len(hits) == LIMIT
                timings[mode] = np.array(latencies[3:])  # the first calls warm caches
            rows.append((size, build_s, timings))
            qdrant_adapter._client = None
            client.close()
        dense_p50, hybrid_p50 = np.percentile(timings["dense"], 50), np.percentile(timings["hybrid"], 50)
        print(
            f"{size:>7} chunks built in {build_s:.1f} s: dense p50 {dense_p50:.1f} ms, hybrid p50 {hybrid_p50:.1f} ms"
        )

    print()
    header = ("chunks", "dense p50", "dense p95", "hybrid p50", "hybrid p95", "hybrid/dense p50")
    print("{:>8} {:>10} {:>10} {:>11} {:>11} {:>17}".format(*header))
    for size, _, timings in rows:
        dense, hybrid = timings["dense"], timings["hybrid"]
        print(
            f"{size:>8} {np.percentile(dense, 50):>8.1f}ms {np.percentile(dense, 95):>8.1f}ms "
            f"{np.percentile(hybrid, 50):>9.1f}ms {np.percentile(hybrid, 95):>9.1f}ms "
            f"{np.percentile(hybrid, 50) / np.percentile(dense, 50):>16.2f}x"
        )
    sizes = " ".join(str(size) for size in args.sizes)
    on_disk = " --on-disk" if args.on_disk else ""
    print(f"\nReproduce: python bench/bench_search_latency.py --sizes {sizes} --queries {args.queries}{on_disk}")


def _unit(rng: np.random.Generator, count: int) -> np.ndarray:
    vectors = rng.normal(size=(count, 384)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _zipf_terms(rng: np.random.Generator, count: int) -> list[int]:
    return [int(term) % VOCABULARY for term in rng.zipf(1.3, size=count)]


def _points(rng: np.random.Generator, start: int, count: int, models) -> list:  # noqa: ANN001 - qdrant models
    author, dense = str(uuid.uuid4()), _unit(rng, count)
    points = []
    for row in range(count):
        terms = np.unique(_zipf_terms(rng, TERMS_PER_CHUNK))
        weights = rng.uniform(0.5, 2.0, size=len(terms))
        points.append(
            models.PointStruct(
                id=str(uuid.uuid4()),
                vector={
                    "dense": dense[row].tolist(),
                    "bm25": models.SparseVector(indices=terms.tolist(), values=weights.tolist()),
                },
                payload={
                    "content": f"synthetic chunk {start + row}",
                    "platform": "bench",
                    "document_id": str(uuid.uuid4()),
                    "chunk_index": 0,
                    "author_id": author,
                    "author_full_name": "Bench Author",
                    "link": f"https://bench.example/{start + row}",
                    "metadata": {},
                },
            )
        )
    return points


if __name__ == "__main__":
    main()
