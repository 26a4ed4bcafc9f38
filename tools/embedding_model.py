"""The embedding model: which backend embeds, and the one-off ONNX export.

python -m tools.embedding_model info      # backend, quantisation, threads, fingerprint, export folder
python -m tools.embedding_model export    # export the weights to ONNX now (scripts/setup.sh does it once)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # also runnable as `python tools/embedding_model.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import click

from llm_engineering.application.networks.embeddings import get_embedding_model
from llm_engineering.application.networks.onnx_export import QUANTIZATIONS, export_folder, is_exported, onnx_model_file


@click.group(help=__doc__)
def main() -> None:
    pass


@main.command()
def info() -> None:
    model = get_embedding_model()
    click.echo(f"model:        {model.model_path}")
    click.echo(f"backend:      {model.backend} ({model.quantization}) on {model.device}, {model.threads} threads")
    click.echo(f"dimension:    {model.embedding_size}, max {model.max_input_length} tokens")
    click.echo(f"fingerprint:  {model.fingerprint}")
    if model.cache_dir is not None:
        folder = export_folder(model.cache_dir, model.digest)
        state = "exported" if is_exported(folder) else "not exported yet"
        click.echo(f"onnx export:  {folder} ({state})")


@main.command()
def export() -> None:
    from llm_engineering.application.networks.onnx_export import ensure_exported

    model = get_embedding_model()
    if model.cache_dir is None:
        raise click.ClickException("No embedding cache folder (EMBEDDING_CACHE_DIR)")
    folder = export_folder(model.cache_dir, model.digest)
    started = time.perf_counter()
    ensure_exported(model.model_path, folder)
    for quantization in QUANTIZATIONS:
        path = onnx_model_file(folder, quantization)
        click.echo(f"{quantization}: {path} ({path.stat().st_size / 1e6:.1f} MB)")
    click.echo(f"ready in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
