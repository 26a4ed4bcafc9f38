"""Embedding backends side by side on the handbook corpus: retrieval quality and closeness to torch fp32.

    python bench/bench_embedding_backends.py [--corpus ../shared/corpus/handbook_warehouse] \
        [--queries data/eval/handbook_queries.jsonl data/eval/handbook_tuning2.jsonl data/eval/handbook_tuning3.jsonl] \
        [--heldout data/eval/handbook_heldout.jsonl]

One temp MOODSWARM_HOME: the corpus is imported once, then for each backend (torch fp32 first, the reference;
then ONNX fp32 and ONNX int8) the feature stages run again (the embedding fingerprint changed, so every chunk
is re-embedded exactly once) and the retriever is evaluated on the labelled queries, dense and hybrid.
Decides the default quantisation on the tuning sets (--queries, each reported, then all together) only: int8
only if, on the tuning sets together, neither its Recall@1 nor its MRR@10 drops by more than 0.01 below torch
fp32, dense or hybrid (one question is 0.016 of a 64-question set: together they resolve 0.01). The held-out
set is reported, never used to choose.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
HOME = Path(tempfile.mkdtemp(prefix="moodswarm-bench-emb-"))
os.environ["MOODSWARM_HOME"] = str(HOME)  # before settings are read: nothing touches the user's stores
for _variable in ("DATABASE_HOST", "QDRANT_URL", "EMBEDDING_BACKEND", "EMBEDDING_QUANTIZATION"):
    os.environ.pop(_variable, None)

BACKENDS = (("torch", "fp32"), ("onnx", "fp32"), ("onnx", "int8"))
TOLERANCE = 0.01


def import_corpus(folder: Path) -> None:
    from llm_engineering.domain.documents import RAW_DOCUMENT_CLASSES, UserDocument

    for document_class in (UserDocument, *RAW_DOCUMENT_CLASSES):
        dump = folder / f"{document_class.__name__}.json"
        if dump.exists():
            document_class.bulk_upsert(document_class.from_mongo(r) for r in json.loads(dump.read_text()))


def feature_run() -> tuple[int, float]:
    """The feature stages as the pipeline runs them; returns (chunks embedded, embed+load seconds)."""
    from llm_engineering.application.preprocessing.feature_service import chunk_and_embed, clean_documents, load_stream

    cleaned, _ = clean_documents(None)
    started = time.perf_counter()
    embedded, counts, _ = chunk_and_embed(cleaned)
    load_stream(embedded)
    seconds = time.perf_counter() - started
    load_stream(cleaned)
    return counts.total("embeddings"), seconds


TOGETHER = "tuning sets together"


def evaluate(tuning: list[Path], heldout: Path) -> dict[str, dict[str, dict[str, float]]]:
    """Dense and hybrid figures of the retriever as `tools.rag_eval` computes them (k=10, one chunk per document)
    for each set, and for the tuning sets together (from the same searches: each question is asked once)."""
    from llm_engineering.application.rag import ContextRetriever
    from llm_engineering.application.rag.evaluation import load_queries, run_queries, summarise

    sets = {path.name: load_queries(path) for path in (*tuning, heldout)}
    retriever = ContextRetriever(use_settings=False)
    results: dict[str, dict[str, dict[str, float]]] = {name: {} for name in (*sets, TOGETHER)}
    for mode in ("dense", "hybrid"):

        def search(labelled, mode=mode):  # noqa: ANN001, ANN202 - LabelledQuery -> hits
            return retriever.search(labelled.query, k=10, mode=mode, author=labelled.author, max_chunks_per_document=1)

        together: tuple[list, list] = ([], [])
        for name, queries in sets.items():
            per_query, latencies = run_queries(search, queries)
            results[name][mode] = summarise(per_query, latencies)
            if name != heldout.name:
                together[0].extend(per_query)
                together[1].extend(latencies)
        results[TOGETHER][mode] = summarise(*together)
    return results


def stored_vectors() -> dict[str, np.ndarray]:
    from llm_engineering.domain.embedded_chunks import EMBEDDED_CHUNK_CLASSES

    return {
        str(chunk.id): np.asarray(chunk.embedding, dtype=np.float32)
        for cls in EMBEDDED_CHUNK_CLASSES
        for chunk in cls.iter_all(page_size=512, with_vectors=True)
    }


def print_table(rows: dict[str, dict], queries: str) -> None:
    print(f"\n{queries}, k=10, one chunk per document; embed+load timed in this run on this machine")
    header = f"{'backend':<12} {'chunks':>6} {'chunks/s':>8} {'cos min':>8} {'cos mean':>8}"
    for mode in ("dense", "hybrid"):
        header += f" {mode + ' R@1':>11} {mode + ' MRR@10':>13} {mode + ' R@5':>11}"
    print(header)
    for name, row in rows.items():
        line = (
            f"{name:<12} {row['chunks']:>6} {row['chunks_per_s']:>8.1f} {row['cos_min']:>8.4f} {row['cos_mean']:>8.4f}"
        )
        for mode in ("dense", "hybrid"):
            quality = row["quality"][queries][mode]
            line += f" {quality['recall@1']:>11.3f} {quality['mrr@10']:>13.3f} {quality['recall@5']:>11.3f}"
        print(line)


def largest_drop(candidate: dict, reference: dict) -> float:
    """The largest fall of Recall@1 or MRR@10 (dense or hybrid) below the reference; <= 0 when none fell."""
    return max(
        reference[mode][metric] - candidate[mode][metric]
        for mode in ("dense", "hybrid")
        for metric in ("recall@1", "mrr@10")
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=REPO_ROOT.parent / "shared" / "corpus" / "handbook_warehouse")
    parser.add_argument(
        "--queries",
        type=Path,
        nargs="+",
        default=[
            REPO_ROOT / "data" / "eval" / name
            for name in ("handbook_queries.jsonl", "handbook_tuning2.jsonl", "handbook_tuning3.jsonl")
        ],
    )
    parser.add_argument("--heldout", type=Path, default=REPO_ROOT / "data" / "eval" / "handbook_heldout.jsonl")
    args = parser.parse_args()
    if not (args.corpus / "ArticleDocument.json").exists():
        sys.exit(f"No warehouse dump at {args.corpus}")

    from llm_engineering.application.networks.embeddings import get_embedding_model, reset_embedding_model
    from llm_engineering.infrastructure.bootstrap import bootstrap, close_vector_store
    from llm_engineering.infrastructure.db.mongo import close_connection
    from llm_engineering.settings import reset_settings

    bootstrap()
    import_corpus(args.corpus)
    rows, reference = {}, None
    for backend, quantization in BACKENDS:
        os.environ["EMBEDDING_BACKEND"], os.environ["EMBEDDING_QUANTIZATION"] = backend, quantization
        reset_settings()
        reset_embedding_model()
        get_embedding_model().embed(["warm up"])  # load (and export, the first time) outside the timing
        chunks, seconds = feature_run()
        vectors = stored_vectors()
        if reference is None:
            reference = vectors
        cosines = np.array([float(vectors[key] @ reference[key]) for key in reference])
        rows[f"{backend} {quantization}"] = {
            "fingerprint": get_embedding_model().fingerprint,
            "chunks": chunks,
            "chunks_per_s": chunks / seconds,
            "cos_min": float(cosines.min()),
            "cos_mean": float(cosines.mean()),
            "quality": evaluate(args.queries, args.heldout),
        }
    close_vector_store()
    close_connection()
    subprocess.run([sys.executable, "-m", "tools.infra", "down"], cwd=REPO_ROOT, capture_output=True, env=os.environ)

    print("cosine to torch fp32 over every chunk vector; fingerprints: ", end="")
    print(", ".join(f"{name}={row['fingerprint']}" for name, row in rows.items()))
    names = [*(path.name for path in args.queries), TOGETHER, args.heldout.name]
    for name in names:
        print_table(rows, name)
    torch_quality = rows["torch fp32"]["quality"]
    roles = {TOGETHER: "decides", args.heldout.name: "held-out, reported only"}
    for name in names:
        drop = largest_drop(rows["onnx int8"]["quality"][name], torch_quality[name])
        verdict = "within" if drop <= TOLERANCE + 1e-9 else "OUTSIDE"
        role = roles.get(name, "tuning set, reported")
        print(f"int8 largest R@1/MRR@10 drop vs torch fp32, {name} ({role}): {drop:+.3f}, {verdict} {TOLERANCE}")
    queries = " ".join(str(path) for path in args.queries)
    print(
        f"reproduce: python bench/bench_embedding_backends.py --corpus {args.corpus} "
        f"--queries {queries} --heldout {args.heldout}"
    )


if __name__ == "__main__":
    main()
