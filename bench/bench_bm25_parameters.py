"""BM25 parameters on the handbook corpus: k1, b and title/heading terms counted twice (BM25F-like).

    python bench/bench_bm25_parameters.py [--homes /tmp/moodswarm-ablation] [--recipe contextual+stem]

Starts from the index bench_retrieval_ablation.py built for a recipe (run that first, same --homes): each
variant copies that home and rewrites every chunk's BM25 vector with its parameters (the dense vectors stay as
they are, so no model runs), then the default ContextRetriever (RetrievalOptions()) answers the two tuning sets
(apart and together) and the held-out set, which is only reported. Variants are query-independent index-time
settings; the shipped ones are k1 1.2, b 0.75, context line counted once (networks/sparse.py).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bench.bench_retrieval_ablation import COMBINED, METRICS, REPORTED, SETS, home_env, run_child  # noqa: E402

# name -> (k1, b, times the context line's terms are counted)
VARIANTS: dict[str, tuple[float, float, int]] = {
    "k1 1.2 b 0.75 (shipped)": (1.2, 0.75, 1),
    "k1 0.9 b 0.4": (0.9, 0.4, 1),
    "k1 1.5 b 0.75": (1.5, 0.75, 1),
    "k1 1.2 b 0.3": (1.2, 0.3, 1),
    "k1 1.2 b 0.75, context x2": (1.2, 0.75, 2),
}


def rewrite_sparse(k1: float, b: float, context_repeat: int) -> int:
    """Every chunk's BM25 vector recomputed from its index text with these parameters; returns the count."""
    from llm_engineering.application.networks import sparse
    from llm_engineering.application.preprocessing.chunking_data_handlers import CONTEXT_SEPARATOR, chunk_index_text
    from llm_engineering.domain.embedded_chunks import EMBEDDED_CHUNK_CLASSES

    sparse.K1, sparse.B = k1, b  # read at call time by bm25_document_vector
    written = 0
    for chunk_class in EMBEDDED_CHUNK_CLASSES:
        if not chunk_class.collection_exists():
            continue
        chunks = list(chunk_class.iter_all(with_vectors=True))
        for chunk in chunks:
            text = chunk_index_text(chunk.content, chunk.metadata)
            context = chunk.metadata.get("context")
            if context and context_repeat > 1:  # the context line's terms counted that many times in all
                text = CONTEXT_SEPARATOR.join([context] * (context_repeat - 1) + [text])
            chunk.sparse_embedding = sparse.bm25_document_vector(text)
        written += chunk_class.bulk_insert(chunks)
    return written


def child(k1: float, b: float, context_repeat: int) -> None:
    from bench.bench_retrieval_ablation import evaluate
    from llm_engineering.infrastructure.bootstrap import bootstrap, close_vector_store

    bootstrap()
    print(f"  rewrote {rewrite_sparse(k1, b, context_repeat)} BM25 vectors", flush=True)
    results = evaluate({"default": {}})["default"]
    close_vector_store()
    print(json.dumps(results))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--homes", type=Path, default=Path("/tmp/moodswarm-ablation"))
    parser.add_argument("--recipe", default="contextual+stem")
    parser.add_argument("--child", nargs=3, type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], int(args.child[2]))
        return
    source = args.homes / args.recipe
    if not (source / "vector_store").is_dir():
        sys.exit(f"No index at {source}: run bench/bench_retrieval_ablation.py --homes {args.homes} first")
    recipe_env = _recipe_settings(args.recipe)
    table = {}
    for name, (k1, b, repeat) in VARIANTS.items():
        print(f"{name}:", flush=True)
        home = args.homes / f"{args.recipe}-bm25-k1{k1}-b{b}-ctx{repeat}"
        shutil.rmtree(home, ignore_errors=True)
        shutil.copytree(source, home, ignore=shutil.ignore_patterns("server.pid", "server.json", "*.lock"))
        table[name] = run_child([__file__, "--child", str(k1), str(b), str(repeat)], home, recipe_env)
        down = [sys.executable, "-m", "tools.infra", "down"]
        subprocess.run(down, env=home_env(home, recipe_env), cwd=REPO_ROOT, capture_output=True)
        shutil.rmtree(home, ignore_errors=True)
    for set_name in REPORTED:
        source_sets = SETS.get(set_name) or " + ".join(SETS[part] for part in COMBINED[set_name])
        print(f"\n{set_name} ({source_sets}), default retriever, k=10, one chunk per document")
        print(f"{'BM25 variant':32}" + "".join(f"{metric:>10}" for metric in METRICS))
        for name, by_set in table.items():
            print(f"{name:32}" + "".join(f"{by_set[set_name][metric]:>10.3f}" for metric in METRICS))
    print(f"Reproduce: python bench/bench_bm25_parameters.py --homes {args.homes} --recipe {args.recipe}")


def _recipe_settings(recipe: str) -> dict[str, str]:
    from bench.bench_retrieval_ablation import RECIPES

    return RECIPES[recipe]


if __name__ == "__main__":
    main()
