"""Retrieval ablation on the handbook corpus: every ranking lever on and off, on three tuning sets and a held-out set.

    python bench/bench_retrieval_ablation.py [--corpus ../shared/corpus/handbook_warehouse] \
        [--homes /tmp/moodswarm-ablation] [--json]

Each index-time recipe (plain or contextual chunk text, BM25 tokenisation with stems and/or split code
identifiers, boilerplate kept out of the index text; see RECIPES) is indexed once by the feature pipeline's own
stages (clean -> chunk + embed -> load) in a home of its own under --homes; a second run of the bench finds the
index up to date and embeds nothing. Query-time levers (fusion, near-duplicate merge, document aggregation,
weights, DBSF's spread, candidate-level boilerplate drop, skipping chunks flagged as boilerplate at feature time,
heading match, dense pseudo-relevance feedback, the document centroid signal)
are then toggled on the same index. Every configuration runs the real ContextRetriever end to end (query
embedding, vector store, fusion), no LLM, no reranker. Reported at document level, one chunk per document,
k=10: Recall@1/5, MRR@10, nDCG@10, p50/p95 latency, for each tuning set, all of them together (the row that
decides), the first two together, and the held-out set (levers are chosen on the tuning sets only). Relevant
link groups (the same text at two links) count once.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bench.child_process import run_json_child  # noqa: E402

# Levers are chosen on the tuning sets together (each also reported apart); the held-out set is only reported.
SETS = {
    "tuning": "data/eval/handbook_queries.jsonl",
    "tuning2": "data/eval/handbook_tuning2.jsonl",
    "tuning3": "data/eval/handbook_tuning3.jsonl",  # harder questions, written once the first two hit their ceiling
    "held-out": "data/eval/handbook_heldout.jsonl",
}
COMBINED = {  # figures over the union of these sets' queries
    "tuning sets together": ("tuning", "tuning2", "tuning3"),
    "tuning+tuning2": ("tuning", "tuning2"),
}
REPORTED = ("tuning", "tuning2", "tuning3", "tuning sets together", "tuning+tuning2", "held-out")
# Index-time recipes: settings that change what is embedded and BM25-indexed (each gets a home and an index).
# Every recipe flags boilerplate chunks (BOILERPLATE_MIN_DOCUMENTS=4): the flag changes no vector, and the
# query-time lever skip_boilerplate_chunks decides whether flagged chunks are searched.
_BM25_V1 = {
    "BM25_STEMMING": "false",
    "BM25_SPLIT_IDENTIFIERS": "false",
    "BOILERPLATE_MIN_DOCUMENTS": "4",
    "BOILERPLATE_OUT_OF_INDEX": "false",
}
RECIPES: dict[str, dict[str, str]] = {
    "plain": {**_BM25_V1, "CHUNK_CONTEXT_TOKENS": "0"},
    "contextual": {**_BM25_V1, "CHUNK_CONTEXT_TOKENS": "32"},
    "contextual+stem": {**_BM25_V1, "CHUNK_CONTEXT_TOKENS": "32", "BM25_STEMMING": "true"},
    "contextual+ident": {**_BM25_V1, "CHUNK_CONTEXT_TOKENS": "32", "BM25_SPLIT_IDENTIFIERS": "true"},
    "contextual+stem+ident": {
        **_BM25_V1,
        "CHUNK_CONTEXT_TOKENS": "32",
        "BM25_STEMMING": "true",
        "BM25_SPLIT_IDENTIFIERS": "true",
    },
    # Boilerplate paragraphs left out of every chunk's embedded and BM25-indexed text (not only flagged).
    "contextual+stem+bp-out": {
        **_BM25_V1,
        "CHUNK_CONTEXT_TOKENS": "32",
        "BM25_STEMMING": "true",
        "BOILERPLATE_OUT_OF_INDEX": "true",
    },
    # Shorter chunks (context included) than the default 256 tokens: MiniLM was trained on texts of 128 tokens.
    "contextual+stem 128-token chunks": {
        **_BM25_V1,
        "CHUNK_CONTEXT_TOKENS": "32",
        "BM25_STEMMING": "true",
        "EMBEDDING_MAX_TOKENS": "128",
    },
    "contextual+stem 192-token chunks": {
        **_BM25_V1,
        "CHUNK_CONTEXT_TOKENS": "32",
        "BM25_STEMMING": "true",
        "EMBEDDING_MAX_TOKENS": "192",
    },
}
# name -> RetrievalOptions fields; "baseline" is plain dense + BM25 RRF (k=60), exact-text dedup only.
# Every row names all the levers it sets, so a change of the defaults does not change what a row measures.
_OFF = {
    "fusion": "rrf",
    "dense_weight": 1.0,
    "lexical_weight": 1.0,
    "merge_near_duplicates": False,
    "document_decay": 0.0,
    "drop_boilerplate": False,
    "skip_boilerplate_chunks": False,
    "heading_weight": 0.0,
    "dbsf_sigmas": 3.0,
    "feedback_depth": 0,
    "feedback_weight": 0.0,
    "document_weight": 0.0,
}
# The default since issue 11's second round: DBSF over mean +- 2 sigma, BM25 x1.2.
_DEFAULT = {
    **_OFF,
    "merge_near_duplicates": True,
    "fusion": "dbsf",
    "document_decay": 0.3,
    "dbsf_sigmas": 2.0,
    "lexical_weight": 1.2,
}
LEVERS: dict[str, dict] = {
    "baseline rrf": {**_OFF},
    "+near-dup": {**_OFF, "merge_near_duplicates": True},
    "+near-dup +doc-agg 0.3": {**_OFF, "merge_near_duplicates": True, "document_decay": 0.3},
    "+near-dup dbsf": {**_OFF, "merge_near_duplicates": True, "fusion": "dbsf"},
    "+near-dup dbsf +doc-agg 0.3": {**_OFF, "merge_near_duplicates": True, "fusion": "dbsf", "document_decay": 0.3},
    "+near-dup rrf lexical x1.5": {**_OFF, "merge_near_duplicates": True, "lexical_weight": 1.5},
    "+near-dup +boilerplate": {**_OFF, "merge_near_duplicates": True, "drop_boilerplate": True},
    "+near-dup +boilerplate +doc-agg 0.3": {
        **_OFF,
        "merge_near_duplicates": True,
        "drop_boilerplate": True,
        "document_decay": 0.3,
    },
    "+near-dup dbsf +boilerplate +doc-agg 0.3": {
        **_OFF,
        "merge_near_duplicates": True,
        "fusion": "dbsf",
        "drop_boilerplate": True,
        "document_decay": 0.3,
    },
    "+near-dup +skip-flagged": {**_OFF, "merge_near_duplicates": True, "skip_boilerplate_chunks": True},
    "+near-dup +skip-flagged +doc-agg 0.3": {
        **_OFF,
        "merge_near_duplicates": True,
        "skip_boilerplate_chunks": True,
        "document_decay": 0.3,
    },
    "+near-dup dbsf +skip-flagged +doc-agg 0.3": {
        **_OFF,
        "merge_near_duplicates": True,
        "fusion": "dbsf",
        "skip_boilerplate_chunks": True,
        "document_decay": 0.3,
    },
    "+near-dup dbsf +doc-agg 0.5": {**_OFF, "merge_near_duplicates": True, "fusion": "dbsf", "document_decay": 0.5},
    "+near-dup dbsf lexical x1.2 +doc-agg 0.3": {
        **_OFF,
        "merge_near_duplicates": True,
        "fusion": "dbsf",
        "lexical_weight": 1.2,
        "document_decay": 0.3,
    },
    "+near-dup dbsf +doc-agg 0.3 +heading 0.1": {
        **_OFF,
        "merge_near_duplicates": True,
        "fusion": "dbsf",
        "document_decay": 0.3,
        "heading_weight": 0.1,
    },
    "+near-dup dbsf +doc-agg 0.3 +heading 0.2": {
        **_OFF,
        "merge_near_duplicates": True,
        "fusion": "dbsf",
        "document_decay": 0.3,
        "heading_weight": 0.2,
    },
    "+near-dup dbsf 2sigma +doc-agg 0.3": {**_DEFAULT, "lexical_weight": 1.0},
    "+near-dup dbsf 2sigma lexical x1.2 +doc-agg 0.3 (default)": _DEFAULT,
    "+near-dup dbsf 2sigma lexical x1.5 +doc-agg 0.3": {**_DEFAULT, "lexical_weight": 1.5},
    "default +feedback 1 x0.3": {**_DEFAULT, "feedback_depth": 1, "feedback_weight": 0.3},
    "default +feedback 3 x0.3": {**_DEFAULT, "feedback_depth": 3, "feedback_weight": 0.3},
    "default +feedback 3 x1.0": {**_DEFAULT, "feedback_depth": 3, "feedback_weight": 1.0},
    "default +doc-centroid 0.2": {**_DEFAULT, "document_weight": 0.2},
    "default +doc-centroid 0.5": {**_DEFAULT, "document_weight": 0.5},
}
METRICS = ("recall@1", "recall@5", "mrr@10", "ndcg@10", "p50_ms", "p95_ms")


def build_index(corpus: Path) -> None:
    """Import the corpus (idempotent) and run the feature stages; unchanged documents are skipped."""
    from llm_engineering.application.preprocessing import feature_service as fs

    subprocess.run(
        [sys.executable, "-m", "tools.data_warehouse", "--import-raw-data", "--data-dir", str(corpus)],
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
    )
    cleaned, counts = fs.clean_documents(None)
    embedded, chunk_counts, tokens = fs.chunk_and_embed(cleaned)
    fs.load_stream(embedded)
    fs.load_stream(cleaned)
    print(
        f"  indexed: {counts.total('changed_or_new')} documents (re)embedded, {len(tokens)} chunks, "
        f"{chunk_counts.total('boilerplate_chunks')} of them flagged boilerplate",
        flush=True,
    )


def evaluate(levers: dict[str, dict]) -> dict[str, dict[str, dict[str, float]]]:
    from llm_engineering.application.rag import ContextRetriever
    from llm_engineering.application.rag.evaluation import load_queries, run_queries, summarise
    from llm_engineering.application.rag.retriever import RetrievalOptions

    results: dict[str, dict[str, dict[str, float]]] = {}
    sets = {name: load_queries(REPO_ROOT / path) for name, path in SETS.items()}
    for lever, fields in levers.items():
        retriever = ContextRetriever(use_settings=False, options=RetrievalOptions(**fields))
        retriever.search("warm-up: load the model and open the store", k=10)
        results[lever] = {}
        measured: dict[str, tuple[list, list]] = {}
        for set_name, queries in sets.items():

            def search(labelled, retriever=retriever):  # noqa: ANN001, ANN202
                return retriever.search(labelled.query, k=10, author=labelled.author, max_chunks_per_document=1)

            measured[set_name] = run_queries(search, queries)
            results[lever][set_name] = summarise(*measured[set_name])
        for name, parts in COMBINED.items():
            per_query = [metrics for part in parts for metrics in measured[part][0]]
            latencies = [latency for part in parts for latency in measured[part][1]]
            results[lever][name] = summarise(per_query, latencies)
        print(f"  {lever}: done", flush=True)
    return results


def child(corpus: Path, levers: list[str]) -> None:
    """One recipe, in the current MOODSWARM_HOME: index, then evaluate the levers; JSON on the last line."""
    from llm_engineering.infrastructure.bootstrap import bootstrap, close_vector_store

    bootstrap()
    build_index(corpus)
    results = evaluate({name: LEVERS[name] for name in levers})
    close_vector_store()
    print(json.dumps(results))


def home_env(home: Path, settings: dict[str, str]) -> dict[str, str]:
    """The environment of a process in a home of its own, never the user's stores, with these settings."""
    env = {**os.environ, "MOODSWARM_HOME": str(home), **settings}
    for variable in ("DATABASE_HOST", "QDRANT_URL"):
        env.pop(variable, None)
    return env


def run_child(command: list[str], home: Path, settings: dict[str, str]) -> dict:
    """Run this Python on `command` in `home` with these settings; print its progress lines and return the JSON
    of its last line."""
    return run_json_child(command, home_env(home, settings))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=REPO_ROOT.parent / "shared/corpus/handbook_warehouse")
    parser.add_argument("--homes", type=Path, default=Path("/tmp/moodswarm-ablation"))
    parser.add_argument("--recipes", nargs="+", choices=list(RECIPES), default=list(RECIPES))
    parser.add_argument("--levers", nargs="+", choices=list(LEVERS), default=list(LEVERS))
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.corpus, args.levers)
        return
    if not args.corpus.is_dir():
        sys.exit(f"No corpus at {args.corpus}: pass --corpus")

    table: dict[str, dict] = {}
    for recipe in args.recipes:
        print(f"recipe {recipe}:", flush=True)
        child_args = [__file__, "--child", "--corpus", str(args.corpus), "--levers", *args.levers]
        for lever, by_set in run_child(child_args, args.homes / recipe, RECIPES[recipe]).items():
            table[f"{recipe} | {lever}"] = by_set

    if args.json:
        print(json.dumps(table, indent=2))
    else:
        _print(table)
    chosen = f" --recipes {' '.join(args.recipes)} --levers {' '.join(repr(lever) for lever in args.levers)}"
    print(f"Reproduce: python bench/bench_retrieval_ablation.py --corpus {args.corpus} --homes {args.homes}{chosen}")


def _print(table: dict[str, dict]) -> None:
    for set_name in REPORTED:
        source = SETS.get(set_name) or " + ".join(SETS[part] for part in COMBINED[set_name])
        print(f"\n{set_name} ({source}), k=10, one chunk per document")
        print(f"{'recipe | levers':80}" + "".join(f"{metric:>10}" for metric in METRICS))
        for config, by_set in table.items():
            figures = by_set[set_name]
            print(f"{config:80}" + "".join(f"{figures[metric]:>10.3f}" for metric in METRICS))


if __name__ == "__main__":
    main()
