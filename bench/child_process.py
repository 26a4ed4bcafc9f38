"""Benches that run part of their work in a process of its own (a fresh home, a fresh heap) and read back one
JSON line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def run_json_child(command: list[str], env: dict[str, str] | None = None) -> dict:
    """Run this Python on `command`; print its progress lines and return the JSON of its last line. A failed
    child ends the bench with its own error output."""
    done = subprocess.run([sys.executable, *command], env=env, cwd=REPO_ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command[:2])} failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    lines = done.stdout.strip().splitlines()
    if lines[:-1]:
        print("\n".join(lines[:-1]), flush=True)
    return json.loads(lines[-1])
