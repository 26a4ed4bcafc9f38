"""Manage the embedded MongoDB-compatible server: `python -m tools.infra up|down|status`.

`status` also says who holds the embedded vector store (one process at a time) and whether an old
qdrant-client local-mode folder still waits to be migrated."""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # also runnable as `python tools/infra.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import click

from llm_engineering.domain.exceptions import LLMTwinException
from llm_engineering.infrastructure.db.mongo import embedded_server
from llm_engineering.settings import get_settings


@click.group()
def cli() -> None:
    """The embedded MongoDB (nx-27017) under MOODSWARM_HOME."""


@cli.command()
def up() -> None:
    """Start the server (or reuse the running one) and wait until it answers ping."""
    _require_embedded()
    try:
        uri = embedded_server().ensure_running()
    except LLMTwinException as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"embedded MongoDB is up at {uri} (data: {get_settings().mongo_data_dir})")


@cli.command()
def down() -> None:
    """Stop the server."""
    _require_embedded()
    stopped = embedded_server().stop()
    click.echo("embedded MongoDB stopped" if stopped else "embedded MongoDB was not running")


@cli.command()
def status() -> None:
    """Say whether the server runs and where; exit 1 when it does not."""
    settings = get_settings()
    for key, value in settings.describe().items():
        click.echo(f"{key}: {value}")
    if settings.uses_embedded_vector_store:
        _vector_store_status()
    if not settings.uses_embedded_mongo:
        return
    server = embedded_server()
    state = server.state()
    if state and server.is_running():
        click.echo(f"embedded MongoDB: running (pid {state.pid}, {state.uri})")
    else:
        click.echo("embedded MongoDB: stopped")
        sys.exit(1)


def _vector_store_status() -> None:
    from llm_engineering.infrastructure.vector_store.edge import lock_holder
    from llm_engineering.infrastructure.vector_store.legacy import MIGRATE_COMMAND, has_local_mode_folder

    settings = get_settings()
    holder = lock_holder(settings.vector_store_path)
    click.echo(f"embedded vector store: {'free' if holder is None else f'open in process {holder}'}")
    if has_local_mode_folder(settings):
        click.echo(f"old local-mode vectors in {settings.legacy_qdrant_path}: migrate with `{MIGRATE_COMMAND}`")


def _require_embedded() -> None:
    if not get_settings().uses_embedded_mongo:
        raise click.ClickException("DATABASE_HOST is set: the embedded server is not in use")


if __name__ == "__main__":
    cli()
