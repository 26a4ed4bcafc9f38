"""Back up and restore the raw data warehouse as JSON, one `<ClassName>.json` per collection.

python -m tools.data_warehouse --export-raw-data [--data-dir DIR] [--force]
python -m tools.data_warehouse --import-raw-data [--data-dir DIR]

Export without --data-dir writes a new timestamped folder under MOODSWARM_HOME/backups/. Exporting into
a folder whose backup holds more records than the export would lose data: refused unless --force.

The format is the reference project's published dump: a JSON list of objects whose `_id` is a string.
Import is an upsert by `_id` (importing twice changes nothing). Every record of every file is validated
before anything is written, so a malformed backup imports nothing and the error names file and record.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import click
from loguru import logger
from pydantic import ValidationError

from llm_engineering.application.crawlers.canonical import stored_link_identity
from llm_engineering.domain.base.nosql import NoSQLBaseDocument
from llm_engineering.domain.documents import (
    ArticleDocument,
    PostDocument,
    RepositoryDocument,
    UserDocument,
    user_name_key,
)
from llm_engineering.domain.exceptions import InvalidBackup
from llm_engineering.settings import REPO_ROOT, get_settings

DEFAULT_DATA_DIR = REPO_ROOT / "data" / "data_warehouse_raw_data"
# Users first: the documents that follow refer to them.
WAREHOUSE_CLASSES: tuple[type[NoSQLBaseDocument], ...] = (
    UserDocument,
    ArticleDocument,
    PostDocument,
    RepositoryDocument,
)
LOOKUP_BATCH = 500
# Recomputed on load, so left out of backups: dumps keep the reference project's format.
DERIVED_FIELDS: dict[type[NoSQLBaseDocument], set[str]] = {UserDocument: {"name_key"}}


class BackupWouldShrink(InvalidBackup):
    """The target folder's backup holds more records than the export: overwriting it would lose data."""


def new_backup_dir() -> Path:
    """A fresh folder under MOODSWARM_HOME/backups/, named by the UTC time (never an existing one)."""
    root = get_settings().backups_dir
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S_%fZ")
    folder = root / stamp
    suffix = 1
    while folder.exists():
        folder, suffix = root / f"{stamp}-{suffix}", suffix + 1
    return folder


def backup_record_count(data_dir: Path) -> int:
    """Records held by the backup files already in `data_dir` (0 when there are none)."""
    total = 0
    for document_class in WAREHOUSE_CLASSES:
        path = Path(data_dir) / f"{document_class.__name__}.json"
        if path.exists():
            try:
                records = json.loads(path.read_text(encoding="utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                raise BackupWouldShrink(f"{path} is not a readable backup; refusing to overwrite it") from None
            total += len(records) if isinstance(records, list) else 1
    return total


def warehouse_record_count() -> int:
    return sum(document_class.estimated_count() for document_class in WAREHOUSE_CLASSES)


def export_raw_data(data_dir: Path | None = None, force: bool = False) -> dict[str, int]:
    """Write every collection to `data_dir/<ClassName>.json`; returns the number of records per file.

    No `data_dir`: a new timestamped folder under MOODSWARM_HOME/backups/. An existing backup holding
    more records than the warehouse is only overwritten with `force`.
    """
    data_dir = Path(data_dir) if data_dir is not None else new_backup_dir()
    if not force:
        existing = backup_record_count(data_dir)
        exporting = warehouse_record_count() if existing else 0
        if existing > exporting:
            raise BackupWouldShrink(
                f"{data_dir} holds a backup of {existing} records and the warehouse has {exporting}: exporting "
                "would overwrite it with less. Choose another --data-dir, omit it for a new timestamped backup, "
                "or pass --force."
            )
    data_dir.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for document_class in WAREHOUSE_CLASSES:
        path = data_dir / f"{document_class.__name__}.json"
        derived = DERIVED_FIELDS.get(document_class, set())
        records = (d.to_mongo(exclude=derived) for d in document_class.bulk_find())
        counts[path.name] = _write_json_list(path, records)
        logger.info("Exported {} records to {}", counts[path.name], path)
    return counts


def _write_json_list(path: Path, records: Iterable[dict[str, Any]]) -> int:
    """Stream a JSON list to a temp file, then rename: a crash never leaves half a backup behind."""
    partial = path.with_suffix(".json.partial")
    count = 0
    with partial.open("w", encoding="utf-8") as handle:
        handle.write("[")
        for record in records:
            handle.write(",\n" if count else "\n")
            handle.write(json.dumps(record, ensure_ascii=False))
            count += 1
        handle.write("\n]\n" if count else "]\n")
    os.replace(partial, path)
    return count


def load_backup_file(path: Path, document_class: type[NoSQLBaseDocument]) -> list[NoSQLBaseDocument]:
    """Every record of one file as a validated document, or `InvalidBackup` naming the file and record."""
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        raise InvalidBackup(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    except json.JSONDecodeError as error:
        raise InvalidBackup(
            f"{path}: not valid JSON ({error.msg} at line {error.lineno}, column {error.colno})"
        ) from None
    if not isinstance(records, list):
        raise InvalidBackup(f"{path}: expected a JSON list of records, found {type(records).__name__}")
    documents: list[NoSQLBaseDocument] = []
    seen_ids: dict[str, int] = {}
    seen_links: dict[str, int] = {}
    for index, record in enumerate(records):
        where = f"{path} record {index}"
        if not isinstance(record, dict):
            raise InvalidBackup(f"{where}: expected an object, found {type(record).__name__}")
        if not isinstance(record.get("_id"), str) or not record["_id"]:
            raise InvalidBackup(f"{where}: missing or non-string '_id'")
        where = f"{where} (_id {record['_id']})"
        try:
            document = document_class.from_mongo(record)
        except ValidationError as error:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or '(record)'}: {e['msg']}" for e in error.errors())
            raise InvalidBackup(f"{where}: {problems}") from None
        if record["_id"] in seen_ids:
            raise InvalidBackup(f"{where}: the same _id as record {seen_ids[record['_id']]}")
        seen_ids[record["_id"]] = index
        link = getattr(document, "link", None) or getattr(document, "name_key", None)
        if link is not None:
            if link in seen_links:
                what = "link" if getattr(document, "link", None) else "user name (ignoring case)"
                raise InvalidBackup(f"{where}: the same {what} as record {seen_links[link]} ({link})")
            seen_links[link] = index
        documents.append(document)
    return documents


def _check_unique_clashes(path: Path, documents: list[NoSQLBaseDocument]) -> None:
    """A record whose link (or user name) is stored under another `_id` would break a unique index."""
    collection = type(documents[0]).collection() if documents else None
    if collection is None:
        return
    for start in range(0, len(documents), LOOKUP_BATCH):
        batch = documents[start : start + LOOKUP_BATCH]
        if isinstance(batch[0], UserDocument):
            # Names are unique ignoring case: "ada quill" clashes with a stored "Ada Quill".
            exact = [{"first_name": d.first_name, "last_name": d.last_name} for d in batch]  # type: ignore[attr-defined]
            keys = [d.name_key for d in batch]  # type: ignore[attr-defined]
            found = collection.find({"$or": [{"name_key": {"$in": keys}}, *exact]})
            stored = {user_name_key(f"{r['first_name']} {r['last_name']}"): r["_id"] for r in found}
            wanted = {d.name_key: d for d in batch}  # type: ignore[attr-defined]
        else:
            links = [d.link for d in batch if getattr(d, "link", None) is not None]  # type: ignore[attr-defined]
            if not links:
                continue
            stored = {r["link"]: r["_id"] for r in collection.find({"link": {"$in": links}}, {"link": 1})}
            wanted = {d.link: d for d in batch if getattr(d, "link", None) is not None}  # type: ignore[attr-defined]
        for key, stored_id in stored.items():
            document = wanted.get(key)
            if document is not None and str(document.id) != stored_id:
                index = documents.index(document)
                raise InvalidBackup(
                    f"{path} record {index} (_id {document.id}): {key!r} is already stored as another document "
                    f"(_id {stored_id}); delete that one or import into an empty database"
                )


def _check_canonical_clashes(path: Path, documents: list[NoSQLBaseDocument]) -> None:
    """Another spelling of a stored link (`…/repo.git` for `…/repo`, `?source=rss`) is the same document."""
    if not documents or isinstance(documents[0], UserDocument):
        return
    repository = isinstance(documents[0], RepositoryDocument)
    stored: dict[str, str] = {}
    for record in type(documents[0]).collection().find({}, {"link": 1}):
        identity = stored_link_identity(record.get("link"), repository)
        if identity is not None:
            stored.setdefault(identity, str(record["_id"]))
    for index, document in enumerate(documents):
        link = getattr(document, "link", None)
        stored_id = stored.get(stored_link_identity(link, repository) or "")
        if stored_id is not None and stored_id != str(document.id):
            raise InvalidBackup(
                f"{path} record {index} (_id {document.id}): {link!r} is another spelling of a link already stored "
                f"as another document (_id {stored_id}); delete that one or import into an empty database"
            )


def import_raw_data(data_dir: Path = DEFAULT_DATA_DIR) -> dict[str, dict[str, int]]:
    """Upsert every `<ClassName>.json` of `data_dir`; returns {file: {records, inserted, replaced}}."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise InvalidBackup(f"{data_dir} is not a folder of <ClassName>.json files")
    known = {f"{c.__name__}.json" for c in WAREHOUSE_CLASSES}
    for stray in sorted(p.name for p in data_dir.glob("*.json") if p.name not in known):
        logger.warning("Ignoring {}: not one of {}", stray, sorted(known))
    loaded: list[tuple[Path, list[NoSQLBaseDocument]]] = []
    for document_class in WAREHOUSE_CLASSES:
        path = data_dir / f"{document_class.__name__}.json"
        if path.exists():
            loaded.append((path, load_backup_file(path, document_class)))
    if not loaded:
        raise InvalidBackup(f"{data_dir} holds none of {sorted(known)}")
    for path, documents in loaded:  # every clash is found before the first write
        _check_unique_clashes(path, documents)
        _check_canonical_clashes(path, documents)
    counts: dict[str, dict[str, int]] = {}
    for path, documents in loaded:
        inserted, replaced = type(documents[0]).bulk_upsert(documents) if documents else (0, 0)
        counts[path.name] = {"records": len(documents), "inserted": inserted, "replaced": replaced}
        logger.info("Imported {}: {} records ({} new, {} replaced)", path.name, len(documents), inserted, replaced)
    return counts


@click.command(help=__doc__)
@click.option("--export-raw-data", "export", is_flag=True, default=False, help="MongoDB -> JSON files.")
@click.option("--import-raw-data", "import_", is_flag=True, default=False, help="JSON files -> MongoDB (upsert).")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of <ClassName>.json files. Import default: the project's sample "
    "(data/data_warehouse_raw_data); export default: a new MOODSWARM_HOME/backups/<UTC time> folder.",
)
@click.option("--force", is_flag=True, default=False, help="Export: overwrite a backup that holds more records.")
def main(export: bool, import_: bool, data_dir: Path | None, force: bool) -> None:
    if export == import_:
        raise click.UsageError("Say exactly one of --export-raw-data or --import-raw-data")
    try:
        if export:
            data_dir = data_dir if data_dir is not None else new_backup_dir()
            counts = export_raw_data(data_dir, force=force)
            click.echo(f"Exported to {data_dir}: " + ", ".join(f"{name} {n}" for name, n in counts.items()))
        else:
            data_dir = data_dir if data_dir is not None else DEFAULT_DATA_DIR
            result = import_raw_data(data_dir)
            click.echo(
                f"Imported from {data_dir}: "
                + ", ".join(
                    f"{name} {c['records']} ({c['inserted']} new, {c['replaced']} replaced)"
                    for name, c in result.items()
                )
            )
    except BackupWouldShrink as error:
        raise click.ClickException(f"Nothing exported: {error}") from None
    except InvalidBackup as error:
        raise click.ClickException(f"Invalid backup, nothing imported: {error}") from None


if __name__ == "__main__":
    main()
