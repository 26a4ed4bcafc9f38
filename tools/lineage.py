"""Follow one document the way the data flows, from the warehouse to a search result.

python -m tools.lineage LINK [--query "..."] [--k 20] [--html FILE]

1. the raw document in the warehouse, 2. the cleaned text (what cleaning removed, side by side in the HTML),
3. the chunks with their token counts and boundaries, 4. the stored points (ids, payload, vector norms),
5. where the document ranks for --query. Terminal output by default; --html also writes a self-contained
page (no network). docs/data_save_flow.html is this page for the project's sample data (see README).
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import click

from llm_engineering.infrastructure.logging_setup import configure_logging


@click.command(help=__doc__)
@click.argument("link")
@click.option("--query", default=None, help="Show where the document ranks for this query.")
@click.option("--k", default=20, show_default=True, type=click.IntRange(1, 100), help="Hits to look through.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path), default=None)
def main(link: str, query: str | None, k: int, html_path: Path | None) -> None:
    configure_logging()
    from llm_engineering.application.lineage import DocumentNotFound, trace_document
    from llm_engineering.application.lineage.render_html import lineage_html
    from llm_engineering.application.lineage.render_text import print_lineage
    from llm_engineering.domain.exceptions import LLMTwinException
    from llm_engineering.infrastructure.bootstrap import close_vector_store
    from llm_engineering.settings import get_settings

    limit = get_settings().EMBEDDING_MAX_TOKENS
    try:
        lineage = trace_document(link, query=query, k=k)
    except (DocumentNotFound, LLMTwinException) as error:  # unknown link, a store that cannot be opened, ...
        raise click.ClickException(str(error)) from None
    finally:
        close_vector_store()  # releases the embedded store's lock now, not at interpreter exit
    print_lineage(lineage, token_limit=limit)
    if html_path is not None:
        html_path.parent.mkdir(parents=True, exist_ok=True)
        html_path.write_text(lineage_html(lineage, token_limit=limit), encoding="utf-8")
        click.echo(f"\nHTML: {html_path}")


if __name__ == "__main__":
    main()
