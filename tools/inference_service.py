"""Serve retrieval over HTTP: `python -m tools.inference_service [--host 127.0.0.1] [--port 8000]`.

With local-mode Qdrant this process holds the storage lock while it runs; stop it (Ctrl+C) before a
pipeline needs the store, or set QDRANT_URL to share a server.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import tools  # noqa: F401 - the package binds the stores (composition root)

import click


@click.command(help="Run the retrieval HTTP service (POST /search, GET /health, /docs).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--log-level", default="info", show_default=True)
def main(host: str, port: int, log_level: str) -> None:
    import uvicorn

    from llm_engineering.infrastructure.inference_service import create_app

    uvicorn.run(create_app(), host=host, port=port, log_level=log_level)


if __name__ == "__main__":
    main()
