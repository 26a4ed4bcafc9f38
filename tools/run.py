"""Launch MoodSwarm's pipelines.

python -m tools.run --run-smoke-test
python -m tools.run --run-etl --etl-config-filename digital_data_etl.yaml [--refresh]
python -m tools.run --run-feature-engineering [--feature-engineering-config-filename F] [--full-rebuild]
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

if __package__ in (None, ""):  # also runnable as `python tools/run.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import tools  # noqa: F401 - the package binds the stores (composition root)

import click

from llm_engineering.infrastructure.zenml_env import configure_zenml
from llm_engineering.settings import REPO_ROOT

CONFIGS_DIR = REPO_ROOT / "configs"


def resolve_config(name_or_path: str) -> Path:
    """A file name under configs/ or any path; a clear error when neither exists."""
    candidates = [Path(name_or_path), CONFIGS_DIR / name_or_path]
    for candidate in candidates:
        if candidate.is_file():
            return candidate.resolve()
    known = ", ".join(sorted(p.name for p in CONFIGS_DIR.glob("*.yaml")))
    raise click.BadParameter(f"No config {name_or_path!r} (as a path or under configs/: {known})")


def run_name(pipeline: str) -> str:
    return f"{pipeline}_run_{datetime.now():%Y_%m_%d_%H_%M_%S_%f}"


def feature_summary(steps: dict[str, dict]) -> str:
    """One line of what the run did to the feature store, from its steps' metadata."""
    reconciled = steps.get("reconcile_feature_store", {})
    cleaned = steps.get("clean_documents", {})
    embedded = steps.get("chunk_and_embed", {})
    rebuilt = " after a full rebuild" if reconciled.get("full_rebuild") else ""
    return (
        f"Feature store{rebuilt}: {reconciled.get('pruned_documents', 0)} documents pruned "
        f"({reconciled.get('pruned_chunks', 0)} chunks), {cleaned.get('re_attributed', 0)} re-attributed, "
        f"{cleaned.get('re_embedded', 0)} re-embedded, {cleaned.get('new', 0)} new, "
        f"{cleaned.get('unchanged', 0)} unchanged; {embedded.get('chunks', 0)} chunks embedded."
    )


@click.command(help=__doc__)
@click.option("--no-cache", is_flag=True, default=False, help="Disable ZenML step caching.")
@click.option("--run-smoke-test", is_flag=True, default=False, help="MongoDB, Qdrant and the model answer.")
@click.option("--run-etl", is_flag=True, default=False, help="Crawl the configured links into the warehouse.")
@click.option("--etl-config-filename", default="digital_data_etl.yaml", show_default=True)
@click.option("--refresh", is_flag=True, default=False, help="ETL: re-crawl links already in the warehouse.")
@click.option("--run-feature-engineering", is_flag=True, default=False, help="Clean, chunk, embed, load.")
@click.option("--feature-engineering-config-filename", default="feature_engineering.yaml", show_default=True)
@click.option(
    "--full-rebuild", is_flag=True, default=False, help="Feature pipeline: drop the feature collections and rebuild."
)
def main(
    no_cache: bool,
    run_smoke_test: bool,
    run_etl: bool,
    etl_config_filename: str,
    refresh: bool,
    run_feature_engineering: bool,
    feature_engineering_config_filename: str,
    full_rebuild: bool,
) -> None:
    if not (run_smoke_test or run_etl or run_feature_engineering):
        raise click.UsageError("Say what to run: --run-smoke-test, --run-etl or --run-feature-engineering")
    configure_zenml()  # before anything imports zenml
    enable_cache = not no_cache
    failures = 0

    if run_smoke_test:
        from pipelines.smoke_test import smoke_test

        smoke_test.with_options(run_name=run_name("smoke_test"))()

    if run_etl:
        from llm_engineering.domain.exceptions import LLMTwinException
        from pipelines.digital_data_etl import run_digital_data_etl

        try:
            failures += run_digital_data_etl(
                resolve_config(etl_config_filename), refresh=refresh, run_name=run_name("digital_data_etl")
            )
        except LLMTwinException as error:  # a bad config or malformed link: a clear message, no traceback
            raise click.ClickException(str(error)) from None

    if run_feature_engineering:
        from pipelines.feature_engineering import feature_engineering

        run = feature_engineering.with_options(
            config_path=str(resolve_config(feature_engineering_config_filename)),
            run_name=run_name("feature_engineering"),
            enable_cache=enable_cache,
        )(full_rebuild=full_rebuild)
        click.echo(feature_summary({name: dict(step.run_metadata) for name, step in run.steps.items()}))

    if failures:
        click.echo(f"{failures} item(s) failed: see the log above", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
