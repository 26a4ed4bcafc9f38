"""Measure retrieval quality on labelled queries, dense and hybrid side by side.

    python -m tools.rag_eval --queries data/eval/handbook_queries.jsonl [--queries MORE.jsonl] [--k 10] [--mode all]
        [--json]

Reports Recall@1/5/10, MRR@10 and nDCG@10 at document level (a hit counts by its link) and the
p50/p95 latency of a full search (embedding + Qdrant + fusion). By default each document appears at
most once in the k hits (`--max-chunks-per-document 1`), so k hits are k documents. Several `--queries` files
are reported one by one, then together (every query of every file counts once); queries with a `kind` are also
reported per kind.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import tools  # noqa: F401 - the package binds the stores (composition root)

import click

from llm_engineering.domain.exceptions import LLMTwinException

METRICS = ("recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10", "p50_ms", "p95_ms")


@click.command(help="Recall@1/5/10, MRR@10, nDCG@10 and latency of the retriever on labelled JSONL files.")
@click.option(
    "--queries",
    "queries_paths",
    type=click.Path(path_type=Path),
    required=True,
    multiple=True,
    help="Labelled JSONL file; repeat it for several sets (each reported, then all together).",
)
@click.option("--k", type=click.IntRange(1, 100), default=10, show_default=True, help="Hits per search.")
@click.option("--mode", type=click.Choice(["dense", "hybrid", "all"]), default="all", show_default=True)
@click.option("--max-chunks-per-document", type=click.IntRange(1), default=1, show_default=True)
@click.option("--details", is_flag=True, help="Also list the queries whose relevant document misses the top 5.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def main(
    queries_paths: tuple[Path, ...], k: int, mode: str, max_chunks_per_document: int, details: bool, as_json: bool
) -> None:
    from llm_engineering.application.rag import ContextRetriever
    from llm_engineering.application.rag.evaluation import load_queries, run_queries, summarise, summarise_by_kind

    try:
        sets = {str(path): load_queries(path) for path in dict.fromkeys(queries_paths)}
    except LLMTwinException as error:
        raise click.ClickException(str(error)) from None
    queries = [labelled for labelled_set in sets.values() for labelled in labelled_set]
    modes = ["dense", "hybrid"] if mode == "all" else [mode]
    # No LLM and no reranker: the harness measures the retriever itself, reproducibly.
    retriever = ContextRetriever(use_settings=False)
    retriever.search(queries[0].query, k=k, mode=modes[0])  # warm-up: model load, first Qdrant read

    results: dict[str, dict] = {}
    per_set: dict[str, dict[str, dict]] = {name: {} for name in sets}
    by_kind: dict[str, dict] = {}
    misses: dict[str, list[str]] = {}
    for current in modes:

        def search(labelled, current=current):  # noqa: ANN001, ANN202 - LabelledQuery -> hits
            try:
                return retriever.search(
                    labelled.query,
                    k=k,
                    mode=current,
                    author=labelled.author,
                    max_chunks_per_document=max_chunks_per_document,
                )
            except LLMTwinException as error:
                raise click.ClickException(f"{labelled.query!r}: {error}") from None

        per_query, latencies = run_queries(search, queries)
        results[current] = summarise(per_query, latencies)
        start = 0
        for name, labelled_set in sets.items():  # queries ran set after set: each set is one slice
            end = start + len(labelled_set)
            per_set[name][current] = summarise(per_query[start:end], latencies[start:end])
            start = end
        by_kind[current] = summarise_by_kind(queries, per_query, latencies)
        misses[current] = [labelled.query for labelled, m in zip(queries, per_query, strict=True) if not m["recall@5"]]

    from llm_engineering.infrastructure.bootstrap import close_vector_store

    close_vector_store()  # release the embedded store's lock now, not during interpreter shutdown
    report = {
        "queries_file": " + ".join(sets),
        "queries": len(queries),
        "k": k,
        "max_chunks_per_document": max_chunks_per_document,
        "modes": results,
    }
    if len(sets) > 1:
        report["sets"] = {name: {"queries": len(sets[name]), "modes": per_set[name]} for name in sets}
    if any(by_kind.values()):
        report["by_kind"] = by_kind
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    for name, figures in report.get("sets", {}).items():
        _print_table({**report, "queries_file": name, "queries": figures["queries"], "modes": figures["modes"]})
    _print_table(report)
    if "by_kind" in report:
        _print_kinds(report["by_kind"])
    if details:
        for current, missed in misses.items():
            click.echo(f"{current}: {len(missed)} queries with no relevant document in the top 5")
            for query in missed:
                click.echo(f"  - {query}")


def _print_table(report: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    modes = report["modes"]
    table = Table(title=f"{report['queries_file']}: {report['queries']} queries, k={report['k']}")
    table.add_column("metric")
    for mode in modes:
        table.add_column(mode, justify="right")
    both = "dense" in modes and "hybrid" in modes
    if both:
        table.add_column("hybrid / dense", justify="right")
    for metric in METRICS:
        row = [metric] + [
            f"{modes[mode][metric]:.3f}" if "ms" not in metric else f"{modes[mode][metric]:.1f}" for mode in modes
        ]
        if both:
            dense = modes["dense"][metric]
            row.append(f"{modes['hybrid'][metric] / dense:.2f}x" if dense else "-")
        table.add_row(*row)
    Console().print(table)
    files = " ".join(f"--queries {name}" for name in report["queries_file"].split(" + "))
    click.echo(
        f"Reproduce: python -m tools.rag_eval {files} --k {report['k']} "
        f"--mode {'all' if both else next(iter(modes))} --max-chunks-per-document {report['max_chunks_per_document']}"
    )


def _print_kinds(by_kind: dict[str, dict[str, dict[str, float]]]) -> None:
    from rich.console import Console
    from rich.table import Table

    for mode, kinds in by_kind.items():
        table = Table(title=f"{mode}: per kind of query")
        for column in ("kind", "queries", *METRICS[:5]):
            table.add_column(column, justify="right")
        for kind, figures in kinds.items():
            table.add_row(kind, str(figures["queries"]), *(f"{figures[m]:.3f}" for m in METRICS[:5]))
        Console().print(table)


if __name__ == "__main__":
    main()
