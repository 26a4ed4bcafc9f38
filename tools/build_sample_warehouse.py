"""Regenerate data/data_warehouse_raw_data by crawling the project's sample site and repository for real.

python -m tools.build_sample_warehouse [--data-dir DIR]

Renders data/sample_articles into data/sample_site, serves it (and data/sample_repo as a git repository) on
the loopback ports of configs/digital_data_etl_sample.yaml, crawls every link of that config with the
project's crawlers into a throwaway in-memory database, and exports it. The links stored in the warehouse
are therefore the sample config's links: running the sample ETL after an import reports them as present.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import click


@click.command(help=__doc__)
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None)
def main(data_dir: Path | None) -> None:
    from llm_engineering.application.crawlers import CrawlerDispatcher, Outcome, crawl_links, validate_links
    from llm_engineering.application.rag.authors import get_or_create_user
    from llm_engineering.infrastructure.db.embedded_mongo import EmbeddedMongoServer
    from llm_engineering.infrastructure.db.mongo import close_connection
    from llm_engineering.settings import reset_settings
    from pipelines.digital_data_etl import load_etl_config
    from tools.data_warehouse import DEFAULT_DATA_DIR, export_raw_data
    from tools.sample_site import SAMPLE_CONFIG, load_articles, render_site, serve_sample_site

    render_site(load_articles())
    parameters, _ = load_etl_config(SAMPLE_CONFIG)
    with tempfile.TemporaryDirectory(prefix="moodswarm-sample-warehouse-") as folder:
        server = EmbeddedMongoServer(Path(folder) / "mongo", in_memory=True)
        os.environ["DATABASE_HOST"] = server.ensure_running()
        os.environ["DATABASE_NAME"] = "sample_warehouse"
        reset_settings()
        try:
            user = get_or_create_user(parameters["user_full_name"])
            with serve_sample_site(git_root=Path(folder) / "git"), CrawlerDispatcher(parameters["crawler_hosts"]) as d:
                summary = crawl_links(validate_links(parameters["links"]), user, d)
            failed = [r for r in summary.results if r.outcome is Outcome.FAILED]
            if failed:
                raise click.ClickException("Sample crawl failed: " + "; ".join(f"{r.link}: {r.reason}" for r in failed))
            counts = export_raw_data(data_dir or DEFAULT_DATA_DIR, force=True)  # regenerating it on purpose
        finally:
            close_connection()
            server.stop()
    click.echo(f"Sample warehouse written to {data_dir or DEFAULT_DATA_DIR}: {counts}")


if __name__ == "__main__":
    main()
