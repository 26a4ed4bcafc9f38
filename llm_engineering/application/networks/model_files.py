"""A content digest of the model files an embedding backend loads (weights, config, tokenizer).

Hashing the weights takes a fraction of a second; the digest is remembered per (file, size, mtime) in the
embedding cache so later processes skip it.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

# Files that change no vector: documentation.
_IGNORED = {"README.md"}
_MEMO = "digests.json"


def model_digest(model_path: Path, cache_dir: Path | None = None) -> str:
    """sha256 over the relative path and bytes of every file of the model folder (hex)."""
    files = sorted(p for p in Path(model_path).rglob("*") if p.is_file() and p.name not in _IGNORED)
    stamp = "|".join(f"{p.relative_to(model_path)}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in files)
    key = f"{Path(model_path).resolve()}|{hashlib.sha256(stamp.encode()).hexdigest()}"
    memo = _read_memo(cache_dir)
    if key in memo:
        return memo[key]
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(model_path)).encode() + b"\0")
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):  # noqa: B023 - handle is this iteration's
                digest.update(block)
    value = digest.hexdigest()
    _write_memo(cache_dir, {**memo, key: value})
    return value


def _read_memo(cache_dir: Path | None) -> dict[str, str]:
    if cache_dir is None:
        return {}
    try:
        return json.loads((cache_dir / _MEMO).read_text())
    except (OSError, ValueError):
        return {}


def _write_memo(cache_dir: Path | None, memo: dict[str, str]) -> None:
    if cache_dir is None:
        return
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        temporary = cache_dir / f".{_MEMO}.{os.getpid()}"
        temporary.write_text(json.dumps(memo, indent=1))
        temporary.replace(cache_dir / _MEMO)  # atomic: a reader sees the old or the new memo, never half
    except OSError:
        pass  # a read-only cache only costs a re-hash next time
