"""The embedded vector store: backups, restores, and moving an old local-mode folder over.

python -m tools.vector_store backup DEST        # consistent copy of every collection into a new folder
python -m tools.vector_store restore SRC        # put a backup back (the current store is moved aside, kept)
python -m tools.vector_store migrate-local-mode # copy MOODSWARM_HOME/qdrant (qdrant-client local mode) over
python -m tools.vector_store add-text-sketches  # chunks embedded before text sketches existed get theirs
python -m tools.vector_store optimize           # build what an index lacks now (the int8 copy of an older store)

Stop other MoodSwarm processes first: the embedded store allows one process at a time. A Qdrant server
(QDRANT_URL) makes its own snapshots: use the server's snapshot API instead.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

if __package__ in (None, ""):  # also runnable as `python tools/vector_store.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import click

from llm_engineering.domain.exceptions import LLMTwinException
from llm_engineering.settings import get_settings


def _embedded_store():  # noqa: ANN202 - EdgeVectorStore
    from llm_engineering.infrastructure.bootstrap import get_vector_store
    from llm_engineering.infrastructure.vector_store.edge import EdgeVectorStore

    if get_settings().QDRANT_URL:
        raise click.ClickException("QDRANT_URL is set: back up a Qdrant server with its snapshot API")
    store = get_vector_store()
    if not isinstance(store, EdgeVectorStore):
        raise click.ClickException("The vector store in use is not the embedded one")
    return store


@contextmanager
def _using_store() -> Iterator[None]:
    """A store error becomes a clear CLI error; the store is released whatever happens."""
    from llm_engineering.infrastructure.bootstrap import close_vector_store

    try:
        yield
    except LLMTwinException as error:
        raise click.ClickException(str(error)) from None
    finally:
        close_vector_store()


def _echo_counts(counts: dict[str, int], unit: str) -> None:
    for name, count in counts.items():
        click.echo(f"{name:<24} {count:>8} {unit}")


@click.group(help=__doc__)
def main() -> None:
    pass


@main.command(name="backup")
@click.argument("destination", type=click.Path(path_type=Path))
def backup_command(destination: Path) -> None:
    from llm_engineering.infrastructure.vector_store.backup import backup

    with _using_store():
        points = backup(_embedded_store(), destination)
    _echo_counts(points, "points")
    click.echo(f"backed up {len(points)} collections to {destination}")


@main.command(name="restore")
@click.argument("source", type=click.Path(path_type=Path, exists=True, file_okay=False))
def restore_command(source: Path) -> None:
    from llm_engineering.infrastructure.vector_store.backup import restore

    with _using_store():
        counts, kept = restore(_embedded_store(), source)
    _echo_counts(counts, "points")
    if kept:
        click.echo(f"the previous collections are kept in {kept}")
    click.echo(f"restored {len(counts)} collections from {source}")


@main.command(name="migrate-local-mode")
def migrate_command() -> None:
    from llm_engineering.infrastructure.bootstrap import get_vector_store
    from llm_engineering.infrastructure.vector_store.legacy import migrate_local_mode

    settings = get_settings()
    if settings.QDRANT_URL:
        raise click.ClickException("QDRANT_URL is set: the embedded store is not in use")
    with _using_store():
        copied = migrate_local_mode(settings, get_vector_store())
    _echo_counts(copied, "points")
    click.echo(f"migrated {len(copied)} collections into {settings.vector_store_path}")


@main.command(name="add-text-sketches")
def add_text_sketches_command() -> None:
    """Store the text sketch of every chunk that lacks one (embedded before sketches existed): searches then
    merge near-duplicates without re-reading texts. Safe to re-run; vectors are untouched."""
    from llm_engineering.application.preprocessing.text_sketch import text_sketch
    from llm_engineering.domain.embedded_chunks import EMBEDDED_CHUNK_CLASSES
    from llm_engineering.infrastructure.bootstrap import bootstrap

    bootstrap()
    with _using_store():
        for chunk_class in EMBEDDED_CHUNK_CLASSES:
            added = 0
            for chunk in chunk_class.iter_all():
                if not chunk.text_sketch:
                    chunk_class.set_payload([chunk.id], {"text_sketch": text_sketch(chunk.content)})
                    added += 1
            _echo_counts({chunk_class.get_collection_name(): added}, "chunks sketched")


@main.command(name="optimize")
def optimize_command() -> None:
    """Bring every collection's index up to date now instead of at the end of the next load that writes to it:
    a store made before the int8 copy existed gets it (searches are faster once it is built). Safe to re-run."""
    with _using_store():
        store = _embedded_store()
        for name in store.list_collections():
            store.finish_load(name)
            _echo_counts({name: store.describe(name).points}, "points, index up to date")


if __name__ == "__main__":
    main()
