"""What a user waits for: `ContextRetriever.search` end to end over the three embedded collections, at 1k, 10k
and 100k chunks, dense / hybrid / hybrid + author filter; the embedded store (qdrant-edge) next to
qdrant-client's local mode (the old embedded default), in one run.

    python bench/bench_search_latency.py [--sizes 1000 10000 100000] [--queries 64] [--local-mode-queries 10]
        [--duplicate-texts] [--chunks-cache FILE]

Data: the handbook corpus' real chunks (cleaned and chunked by the project's handlers, embedded with the
configured backend), then replicated with noise up to each size: every synthetic chunk is a real chunk's
dense vector plus Gaussian noise (re-normalised) with that chunk's BM25 vector and words (shuffled, so every
text is its own as in a real corpus; `--duplicate-texts` keeps the exact text, the worst case for near-duplicate
merging), spread over the three collections (60/20/20) and four authors. Queries: the labelled handbook
queries (real text), so query encoding is timed too; "excl. encoding" replays the same searches with the
query vectors precomputed. The embedded store is searched by a fresh process that opens what the load left, as
the service does; local mode lives in memory, so it is searched by the process that loaded it.
Recall@10 (on 32 queries): each collection's approximate top 10 (HNSW over the int8 copy, rescored) against
exact search over the float vectors, dense and hybrid, with and without the author filter. Load: points/s of
the upserts, and the index build (`finish_load`) separately.
Floors at 100k (embedded store): p50 <= 25 ms end to end, <= 10 ms excl. encoding, recall@10 >= 0.99,
load >= 5,000 points/s.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

SHARES = {"embedded_articles": 0.6, "embedded_posts": 0.2, "embedded_repositories": 0.2}
AUTHORS = [(str(uuid.UUID(int=i + 1, version=4)), f"Bench Author {name}") for i, name in enumerate("ABCD")]
NOISE = 0.03  # per dimension: a synthetic chunk keeps a cosine of about 0.86 to its real chunk
UPSERT_BATCH = 256  # as the feature pipeline's load stage
MODES = ("dense", "hybrid", "hybrid+author")


def real_chunks(corpus: Path) -> list:
    """The corpus' chunks, cleaned, chunked and embedded by the project's own handlers (no database)."""
    from llm_engineering.application.preprocessing.dispatchers import (
        ChunkingDispatcher,
        CleaningDispatcher,
        EmbeddingDispatcher,
    )
    from llm_engineering.domain.documents import RAW_DOCUMENT_CLASSES

    chunks = []
    for document_class in RAW_DOCUMENT_CLASSES:
        dump = corpus / f"{document_class.__name__}.json"
        if dump.exists():
            for record in json.loads(dump.read_text()):
                chunks += ChunkingDispatcher.dispatch(CleaningDispatcher.dispatch(document_class.from_mongo(record)))
    return EmbeddingDispatcher.dispatch(chunks)


class Synthetic:
    """`size` chunks made from the real ones: the first copies are exact, the rest carry noise (kept as arrays;
    points are built batch by batch while loading, so 100k chunks need no Python float lists up front)."""

    def __init__(self, real: list, size: int, rng: np.random.Generator, duplicate_texts: bool = False) -> None:
        from llm_engineering.application.preprocessing.text_sketch import text_sketch

        self.real = real
        base = np.array([chunk.embedding for chunk in real], dtype=np.float32)
        self.source = np.concatenate(
            [np.arange(min(size, len(real))), rng.integers(len(real), size=max(0, size - len(real)))]
        )
        vectors = base[self.source]
        noisy = np.arange(size) >= len(real)
        vectors[noisy] += rng.normal(scale=NOISE, size=(int(noisy.sum()), base.shape[1])).astype(np.float32)
        self.vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        self.collection = rng.choice(len(SHARES), size=size, p=list(SHARES.values()))
        # A noisy copy's text is its real chunk's words in another order: the same BM25 vector, but a text of
        # its own, as at real scale (73 identical copies of each text would make every search merge them).
        self.contents = [chunk.content for chunk in real[: min(size, len(real))]]
        for index in self.source[len(self.contents) :].tolist():
            words = real[index].content.split()
            shuffled = words if duplicate_texts else [words[i] for i in rng.permutation(len(words))]
            self.contents.append(" ".join(shuffled))
        self.sketches = [text_sketch(content) for content in self.contents]  # as the pipeline stores them

    def batches(self, name: str) -> Iterator[list]:
        from llm_engineering.domain.base.vector_store import Point

        rows = np.flatnonzero(self.collection == list(SHARES).index(name))
        for start in range(0, len(rows), UPSERT_BATCH):
            batch = []
            for index in rows[start : start + UPSERT_BATCH].tolist():
                source = self.real[int(self.source[index])]
                author_id, author_name = AUTHORS[index % len(AUTHORS)]
                payload = {
                    "content": self.contents[index],
                    "text_sketch": self.sketches[index],
                    "platform": source.platform,
                    "document_id": str(uuid.UUID(int=10**9 + index // 4, version=4)),
                    "chunk_index": index % 4,
                    "author_id": author_id,
                    "author_full_name": author_name,
                    "link": f"https://bench.example/{index // 4}",
                    "name": "bench",
                    "metadata": {},
                }
                point_id = str(uuid.UUID(int=index + 1, version=4))
                sparse = source.sparse_embedding.to_port()
                batch.append(Point(point_id, payload, self.vectors[index].tolist(), sparse))
            yield batch


def load(store, data: Synthetic) -> tuple[float, float, float]:  # noqa: ANN001 - a VectorStore
    """Upsert every point in the pipeline's batches, then finish the load: (upsert s, upsert CPU s, index build s).
    Building the points (Python objects) is part of the upsert time, as in the pipeline."""
    from llm_engineering.domain.base.vector_store import CollectionSpec

    for name in SHARES:
        store.create_collection(CollectionSpec(name=name, dense_size=384))
    started, cpu = time.perf_counter(), time.process_time()
    for name in SHARES:
        for batch in data.batches(name):
            store.upsert(name, batch)
    upsert_s, upsert_cpu = time.perf_counter() - started, time.process_time() - cpu
    started = time.perf_counter()
    for name in SHARES:
        store.finish_load(name)
    return upsert_s, upsert_cpu, time.perf_counter() - started


class BenchDirectory:
    """The bench's four authors, without a warehouse."""

    def __init__(self) -> None:
        from llm_engineering.application.rag.authors import AuthorDirectory, KnownAuthor

        class Directory(AuthorDirectory):
            def authors(self) -> list[KnownAuthor]:
                return [KnownAuthor(author_id, name) for author_id, name in AUTHORS]

        self.directory = Directory()


def time_searches(queries: list[str], count: int, warmup: list[str]) -> dict[str, list[tuple[float, float]]]:
    """(wall ms, CPU ms of this process) per search. On a shared machine wall time includes waiting for a
    core; CPU time is the work itself (every thread of the process, the engine's included).

    Each mode first answers the `warmup` questions (other questions than the timed ones), as a running service
    has answered others before: the first reads of a freshly loaded store are not what a user waits for."""
    from llm_engineering.application.rag import ContextRetriever

    retriever = ContextRetriever(directory=BenchDirectory().directory, use_settings=False)
    timings: dict[str, list[float]] = {}
    for mode in MODES:
        options = {"mode": "dense" if mode == "dense" else "hybrid"}
        if mode == "hybrid+author":
            options["author"] = AUTHORS[0][1]
        for question in warmup:
            retriever.search(question, k=10, **options)
        latencies = []
        for query in (queries * (count // len(queries) + 1))[:count]:
            started, cpu = time.perf_counter(), time.process_time()
            hits = retriever.search(query, k=10, **options)
            latencies.append(((time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000))
            assert len(hits) == 10, (mode, len(hits))
        timings[mode] = latencies
    return timings


def recall_at_10(query_vectors: list[np.ndarray], sparse_queries: list) -> float:
    """Mean overlap of approximate and exact top 10 per collection, dense and hybrid, with and without a filter."""
    from llm_engineering.application.rag.fusion import RRF_K
    from llm_engineering.domain.base.vector import author_filter
    from llm_engineering.domain.embedded_chunks import EMBEDDED_CHUNK_CLASSES

    overlaps = []
    for vector, sparse in zip(query_vectors, sparse_queries, strict=True):
        dense = vector.tolist()
        for chunk_class in EMBEDDED_CHUNK_CLASSES:
            for query_filter in (None, author_filter(AUTHORS[0][0])):
                for hybrid in (False, True):
                    found = []
                    for exact in (False, True):
                        if hybrid:
                            hits = chunk_class.hybrid_search(dense, sparse, 10, query_filter, rrf_k=RRF_K, exact=exact)
                        else:
                            hits = chunk_class.search(dense, 10, query_filter, exact=exact)
                        found.append(hits)
                    approximate, exact_hits = found
                    if exact_hits:
                        # A hit scoring as high as the exact 10th counts: equal scores (chunks sharing a sparse
                        # vector) may legitimately come in either order.
                        bar = exact_hits[-1].score - 1e-6
                        overlaps.append(
                            sum(hit.score >= bar for hit in approximate[: len(exact_hits)]) / len(exact_hits)
                        )
    return float(np.mean(overlaps))


def _p50(timings: list[tuple[float, float]], column: int) -> float:
    return float(np.percentile([row[column] for row in timings], 50))


def _cell(timings: list[tuple[float, float]]) -> str:
    wall = [row[0] for row in timings]
    return f"{np.percentile(wall, 50):>7.1f}/{np.percentile(wall, 95):>6.1f} [{_p50(timings, 1):>5.1f}]"


def measure(queries: list[str], warmup: list[str], count: int, with_recall: bool) -> dict:
    """Time the searches on the bound store: end to end, then with the query vectors precomputed; recall@10 too
    when asked. Returns JSON-ready figures."""
    from llm_engineering.application.networks.embeddings import get_embedding_model
    from llm_engineering.application.networks.sparse import bm25_query_vector

    model = get_embedding_model()
    real_embed = model.embed
    encoded: dict[str, np.ndarray] = {}  # the texts the retriever really embeds (it may rewrite a query)

    def recording_embed(texts: list[str], batch_size: int | None = None) -> np.ndarray:
        missing = [text for text in texts if text not in encoded]
        if missing:
            encoded.update(zip(missing, real_embed(missing, batch_size), strict=True))
        return np.stack([encoded[text] for text in texts])

    end_to_end = time_searches(queries, count, warmup[:count])
    model.embed = recording_embed  # records every query vector once (not timed)...
    try:
        time_searches(queries, count, warmup[:count])
        without_encoding = time_searches(queries, count, warmup[:count])  # ...then serves them: no encoding
    finally:
        model.embed = real_embed
    recall = None
    if with_recall:
        sample = queries[: min(32, len(queries))]
        recall = recall_at_10(list(real_embed(sample)), [bm25_query_vector(q) for q in sample])
    return {"end_to_end": end_to_end, "without_encoding": without_encoding, "recall": recall}


def search_child(folder: Path, queries: list[str], warmup: list[str], count: int) -> None:
    """Open the store a load left in `folder` and time searches on it, as the service does: a process of its
    own. (In the process that built 100k points, searches ran 2-3 ms slower: its heap, not the store.)"""
    from llm_engineering.application.networks.embeddings import get_embedding_model
    from llm_engineering.domain.base.vector import bind_vector_store
    from llm_engineering.infrastructure.vector_store.edge import EdgeVectorStore

    get_embedding_model().embed(["load the model before the clock starts"])
    started = time.perf_counter()
    store = EdgeVectorStore(folder)
    bind_vector_store(lambda: store, lambda: 384)
    for name in SHARES:
        store.count(name)  # opens the shard
    reopen_s = time.perf_counter() - started
    try:
        figures = measure(queries, warmup, count, with_recall=True)
    finally:
        store.close()
    print(json.dumps({**figures, "reopen_s": reopen_s}))


def run_search_child(folder: str, args: argparse.Namespace) -> dict:
    from bench.child_process import run_json_child

    command = [__file__, "--search-child", folder, "--queries", str(args.queries)]
    return run_json_child(command + ["--eval", str(args.eval), "--warmup-eval", str(args.warmup_eval)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--queries", type=int, default=64, help="Searches per mode on the embedded store.")
    parser.add_argument("--local-mode-queries", type=int, default=10, help="Per mode on local mode (it is slow).")
    parser.add_argument("--corpus", type=Path, default=REPO_ROOT.parent / "shared" / "corpus" / "handbook_warehouse")
    parser.add_argument("--chunks-cache", type=Path, help="Keep the embedded real chunks in this file between runs.")
    parser.add_argument(
        "--duplicate-texts",
        action="store_true",
        help="Worst case: noisy copies keep their real chunk's exact text (every text ~73 times at 100k).",
    )
    parser.add_argument("--eval", type=Path, default=REPO_ROOT / "data" / "eval" / "handbook_queries.jsonl")
    parser.add_argument(
        "--warmup-eval",
        type=Path,
        default=REPO_ROOT / "data" / "eval" / "handbook_heldout.jsonl",
        help="Questions answered (untimed) before each mode's timed ones.",
    )
    parser.add_argument("--search-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    from llm_engineering.application.rag.evaluation import load_queries

    queries = [labelled.query for labelled in load_queries(args.eval)]
    warmup = [labelled.query for labelled in load_queries(args.warmup_eval)]
    if args.search_child:
        search_child(args.search_child, queries, warmup, args.queries)
        return
    if not (args.corpus / "ArticleDocument.json").exists():
        sys.exit(f"No warehouse dump at {args.corpus}")

    from qdrant_client import QdrantClient

    from llm_engineering.application.networks.embeddings import get_embedding_model
    from llm_engineering.domain.base.vector import bind_vector_store
    from llm_engineering.infrastructure.vector_store.edge import EdgeVectorStore
    from llm_engineering.infrastructure.vector_store.server import ServerVectorStore

    model = get_embedding_model()
    started = time.perf_counter()
    if args.chunks_cache and args.chunks_cache.exists():
        real = pickle.loads(args.chunks_cache.read_bytes())  # a file this script wrote (trusted)
    else:
        real = real_chunks(args.corpus)
        if args.chunks_cache:
            args.chunks_cache.write_bytes(pickle.dumps(real))
    print(f"{len(real)} real chunks embedded ({model.fingerprint}) in {time.perf_counter() - started:.0f} s")
    encode_ms = []
    for query in queries:
        begun = time.perf_counter()
        model.embed([query])
        encode_ms.append((time.perf_counter() - begun) * 1000)

    rows = []
    for size in args.sizes:
        data = Synthetic(real, size, np.random.default_rng(size), args.duplicate_texts)
        for kind in ("embedded", "local mode"):
            with tempfile.TemporaryDirectory(prefix="bench-vectors-") as folder:
                store = (
                    EdgeVectorStore(Path(folder)) if kind == "embedded" else ServerVectorStore(QdrantClient(":memory:"))
                )
                bind_vector_store(lambda store=store: store, lambda: 384)
                upsert_s, upsert_cpu, index_s = load(store, data)
                reopen_s = None
                if kind == "embedded":
                    # The feature pipeline loads, the service searches: time the store as a process opens it.
                    store.close()
                    figures = run_search_child(folder, args)
                    reopen_s = figures["reopen_s"]
                else:
                    count = min(args.queries, args.local_mode_queries)
                    figures = measure(queries, warmup, count, with_recall=False)
                    store.close()
                end_to_end, without_encoding, recall = (
                    figures[key] for key in ("end_to_end", "without_encoding", "recall")
                )
            rates = (size / upsert_s, size / upsert_cpu)
            rows.append((size, kind, rates, index_s, end_to_end, without_encoding, recall))
            reopened = "" if reopen_s is None else f", reopened in {reopen_s:.2f} s"
            print(
                f"{size:>7} {kind:<10} loaded {size / upsert_s:,.0f} points/s, index {index_s:.1f} s{reopened}",
                flush=True,
            )

    print(f"\nquery encoding alone ({model.fingerprint}): p50 {np.percentile(encode_ms, 50):.1f} ms wall")
    print("latencies: wall p50/p95 ms, then [CPU p50 ms] (work done by this process, unaffected by waiting for a core)")
    print(
        f"{'chunks':>7} {'store':<10} {'load pts/s [CPU]':>15} {'index s':>7} "
        + " ".join(f"{mode + ' p50/p95':>22}" for mode in MODES)
        + f" {'excl. encoding p50 [CPU] d/h/h+a':>36} {'recall@10':>9}"
    )
    for size, kind, (load_rate, load_cpu_rate), index_s, end_to_end, without_encoding, recall in rows:
        cells = " ".join(_cell(end_to_end[m]) for m in MODES)
        excl = "/".join(f"{_p50(without_encoding[m], 0):.1f}[{_p50(without_encoding[m], 1):.1f}]" for m in MODES)
        print(
            f"{size:>7} {kind:<10} {load_rate:>7,.0f}[{load_cpu_rate:>6,.0f}] {index_s:>7.1f} {cells} {excl:>36} "
            f"{'' if recall is None else f'{recall:.4f}':>9}"
        )
    sizes = " ".join(str(size) for size in args.sizes)
    print(
        f"\nreproduce: python bench/bench_search_latency.py --sizes {sizes} --queries {args.queries} "
        f"--local-mode-queries {args.local_mode_queries}" + (" --duplicate-texts" if args.duplicate_texts else "")
    )


if __name__ == "__main__":
    main()
