"""Record streams on disk (JSON lines): how the feature pipeline hands documents from step to step.

A warehouse of any size flows through a constant amount of memory: each stage reads the previous
stage's file batch by batch and writes its own. The pipeline stores these files as ZenML artifacts.
Lines are written and parsed by pydantic-core (Rust): several times faster than the json module on the
embedded stream's vectors, and a record may hold pydantic models as they are (serialised in JSON mode).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pydantic_core

from llm_engineering.application.preprocessing.batching import batched
from llm_engineering.settings import get_settings


@dataclass
class JsonlStream:
    path: str
    kind: str  # "cleaned" (one cleaned document per line) or "embedded" (one document's chunks per line)
    count: int = 0
    delete_after_save: bool = False  # the file is a temp file: the artifact store keeps the only copy

    def iter_records(self) -> Iterator[dict[str, Any]]:
        with open(self.path, "rb") as handle:
            for line in handle:
                if line.strip():
                    yield pydantic_core.from_json(line)

    def iter_batches(self, size: int) -> Iterator[list[dict[str, Any]]]:
        return batched(self.iter_records(), size)


class JsonlStreamWriter:
    """Writes records to a fresh temp file under MOODSWARM_HOME/tmp; `close()` gives the stream."""

    def __init__(self, kind: str) -> None:
        directory = get_settings().home / "tmp"
        directory.mkdir(parents=True, exist_ok=True)
        descriptor, path = tempfile.mkstemp(prefix=f"{kind}-", suffix=".jsonl", dir=directory)
        self._handle = os.fdopen(descriptor, "wb")
        self.stream = JsonlStream(path=path, kind=kind, delete_after_save=True)

    def write(self, record: dict[str, Any]) -> None:
        self._handle.write(pydantic_core.to_json(record) + b"\n")
        self.stream.count += 1

    def close(self) -> JsonlStream:
        self._handle.close()
        return self.stream

    def __enter__(self) -> JsonlStreamWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        if not self._handle.closed:
            self._handle.close()
        if exc[0] is not None:
            Path(self.stream.path).unlink(missing_ok=True)
