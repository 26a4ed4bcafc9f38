"""Which model a folder holds, from its files' bytes: the same weights under another path give the same
fingerprint, other weights under the same path another one. (Stop-gap until the embedding backend reports the
fingerprint of what it actually loaded.)"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

# Files that cannot change the vectors: documentation and git attributes.
_IGNORED = frozenset({"README.md", ".gitattributes"})


def model_fingerprint(model_path: Path) -> str:
    files = sorted(p for p in Path(model_path).rglob("*") if p.is_file() and p.name not in _IGNORED)
    # Re-hash only when a file's size or modification time moved: the hash itself reads ~90 MB.
    signature = tuple((str(p.relative_to(model_path)), p.stat().st_size, p.stat().st_mtime_ns) for p in files)
    return _hash_files(str(Path(model_path).resolve()), signature)


@lru_cache(maxsize=8)
def _hash_files(model_path: str, signature: tuple[tuple[str, int, int], ...]) -> str:
    digest = hashlib.sha256()
    for relative, _, _ in signature:
        digest.update(relative.encode() + b"\0")
        with open(Path(model_path) / relative, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:16]
