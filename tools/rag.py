"""Search the twin's knowledge: `python -m tools.rag --query TEXT [--k 5] [--author NAME] [--mode hybrid] [--json]`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import tools  # noqa: F401 - the package binds the stores (composition root)

import click

from llm_engineering.domain.exceptions import LLMTwinException


@click.command(help="Retrieve the chunks that best answer a query (hybrid dense + BM25 by default).")
@click.option("--query", required=True, help="The question or keywords.")
@click.option("--k", type=click.IntRange(1, 100), default=5, show_default=True, help="Number of hits.")
@click.option("--author", default=None, help="Only this author's chunks (full or last name of a known user).")
@click.option("--mode", type=click.Choice(["dense", "hybrid"]), default="hybrid", show_default=True)
@click.option("--max-chunks-per-document", type=click.IntRange(1), default=None, help="Cap hits per document.")
@click.option("--expand", type=click.IntRange(0, 10), default=None, help="LLM rewrites (default: 2 if configured).")
@click.option("--rerank/--no-rerank", default=None, help="Cross-encoder reranking (default: on if configured).")
@click.option(
    "--min-score", type=click.FloatRange(-1.0, 1.0), default=None, help="Drop hits whose dense cosine is below it."
)
@click.option("--json", "as_json", is_flag=True, help="Print the hits as JSON.")
def main(
    query: str,
    k: int,
    author: str | None,
    mode: str,
    max_chunks_per_document: int | None,
    expand: int | None,
    rerank: bool | None,
    min_score: float | None,
    as_json: bool,
) -> None:
    from llm_engineering.application.rag import ContextRetriever, hits_to_dicts

    try:
        result = ContextRetriever().retrieve(
            query,
            k=k,
            mode=mode,
            author=author,
            max_chunks_per_document=max_chunks_per_document,
            expand=expand,
            rerank=rerank,
            min_score=min_score,
        )
    except LLMTwinException as error:
        raise click.ClickException(str(error)) from None
    hits = hits_to_dicts(result.hits)
    if as_json:
        output = {
            "query": result.query,
            "mode": result.mode,
            "author_filter": author_filter(result),
            "message": result.message,
            "hits": hits,
        }
        click.echo(json.dumps(output, indent=2, ensure_ascii=False))
        return
    _print_table(result, hits)


def author_filter(result) -> dict:  # noqa: ANN001 - RetrievalResult
    """The author filter applied (or not) and why."""
    author = result.author
    return {
        "author": author.full_name if author else None,
        "author_id": author.id if author else None,
        "source": result.author_source,
        "reason": result.author_reason,
    }


def _print_table(result, hits: list[dict]) -> None:  # noqa: ANN001 - RetrievalResult
    from rich.console import Console
    from rich.table import Table

    author = f"{result.author.full_name} ({result.author_source})" if result.author else "any"
    table = Table(title=f"{result.mode} search: {result.query!r} - author: {author}")
    for column in ("#", "score", "cosine", "bm25", "collection", "author", "link", "content"):
        table.add_column(column, overflow="fold")
    for hit in hits:
        snippet = " ".join(hit["content"].split())[:160]
        table.add_row(
            str(hit["rank"]),
            f"{hit['score']:.4f}",
            f"{hit['dense_score']:.3f}" if hit["dense_score"] is not None else "-",
            f"{hit['lexical_score']:.2f}" if hit["lexical_score"] is not None else "-",
            hit["collection"],
            hit["author_full_name"],
            hit["link"] or "",
            snippet,
        )
    console = Console()
    console.print(table)
    console.print(f"Author filter: {author} - {result.author_reason}")
    if len(result.queries) > 1:
        console.print(f"Queries searched: {result.queries}")
    if result.message:
        console.print(result.message)


if __name__ == "__main__":
    main()
