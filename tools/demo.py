"""The main job, offline on the embedded default:

1. import the project's sample warehouse (data/data_warehouse_raw_data, crawled from data/sample_site);
2. run the feature pipeline (clean -> chunk -> embed -> Qdrant) through ZenML;
3. run one semantic search and print the hits.

    python -m tools.demo [--query TEXT] [--k 3] [--data-dir DIR]

Re-running is safe: the import is an upsert and the feature pipeline skips unchanged documents.
"""

from __future__ import annotations

import sys
import textwrap
from datetime import datetime
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import tools  # noqa: F401 - the package binds the stores (composition root)

import click

from llm_engineering.infrastructure.zenml_env import configure_zenml
from llm_engineering.settings import REPO_ROOT, get_settings

DEFAULT_QUERY = "How does HNSW find nearest neighbours without scanning every vector?"


@click.command(help=__doc__)
@click.option("--query", default=DEFAULT_QUERY, show_default=True, help="The question to search for.")
@click.option("--k", default=3, show_default=True, type=click.IntRange(1, 20), help="Hits to print.")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=REPO_ROOT / "data" / "data_warehouse_raw_data",
    show_default=True,
    help="Warehouse backup to import.",
)
def main(query: str, k: int, data_dir: Path) -> None:
    configure_zenml()  # before anything imports zenml
    from llm_engineering.domain.exceptions import InvalidBackup
    from tools.data_warehouse import import_raw_data

    for key, value in get_settings().describe().items():
        click.echo(f"{key}: {value}")

    click.secho("\n[1/3] Importing the sample warehouse", bold=True)
    try:
        for name, counts in import_raw_data(data_dir).items():
            click.echo(f"  {name}: {counts['records']} records ({counts['inserted']} new)")
    except InvalidBackup as error:
        # The sample ETL may already have crawled the same links under other ids: the warehouse has them.
        click.echo(f"  kept the warehouse as it is: {error}")

    click.secho("\n[2/3] Feature pipeline: clean -> chunk -> embed -> Qdrant", bold=True)
    from pipelines.feature_engineering import feature_engineering

    feature_engineering.with_options(
        config_path=str(REPO_ROOT / "configs" / "feature_engineering.yaml"),
        run_name=f"feature_engineering_demo_{datetime.now():%Y_%m_%d_%H_%M_%S_%f}",
    )()

    click.secho(f"\n[3/3] Semantic search: {query!r}", bold=True)
    from llm_engineering.application.rag.retriever import ContextRetriever

    result = ContextRetriever().retrieve(query, k=k)
    if not result.hits:
        raise click.ClickException(result.message or "The search returned nothing")
    for rank, hit in enumerate(result.hits, start=1):
        link = getattr(hit, "link", None) or "-"
        lexical = "-" if hit.lexical_score is None else f"{hit.lexical_score:.2f}"
        scores = f"score {hit.score:.4f} (cosine {hit.dense_score:.3f}, BM25 {lexical})"
        click.echo(f"\n#{rank}  {scores}  {hit.author_full_name}  {link}")
        click.echo(textwrap.indent(textwrap.shorten(hit.content, width=400, placeholder=" ..."), "    "))


if __name__ == "__main__":
    main()
