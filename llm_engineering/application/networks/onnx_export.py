"""One-off export of the packaged sentence-transformers weights to ONNX, fp32 and int8, into the embedding cache.

torch exports the transformer (TorchScript exporter, no download); onnxruntime's transformer optimizer fuses
the fp32 graph (attention, layer norm, GELU); `quantize_dynamic` makes the int8 model from that fused graph:
per-channel int8 weights for every MatMul and for the fused attention's Q/K/V projection (QAttention); the
token embeddings stay fp32. Measured on the handbook corpus (bench/bench_embedding_backends.py): keeping Q/K/V
in fp32 was about 20% slower at a similar cosine; quantising the plain graph whole (embeddings included) lost dense
Recall@1 beyond 0.01; per-tensor weight scales cost far more (cosine 0.94).
The folder is keyed by the model files' digest, so tests with temporary homes and every later process reuse
one export; a file lock makes concurrent first uses wait for one export instead of racing.
"""

from __future__ import annotations

import fcntl
import json
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from loguru import logger

# Bump when the folder's layout changes: a new folder, so old exports are never reused by mistake.
EXPORT_VERSION = "1"
QUANTIZATIONS = ("fp32", "int8")
# Each quantisation's recipe name: it names the model file and goes into the embedding fingerprint, so a new
# recipe (give it a new name) is exported once and re-embeds every chunk exactly once.
RECIPES = {"fp32": "fp32", "int8": "int8-qattention-v3"}
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
OPSET = 17


def export_folder(cache_dir: Path, digest: str) -> Path:
    return cache_dir / f"onnx-v{EXPORT_VERSION}-{digest[:16]}"


def onnx_model_file(folder: Path, quantization: str) -> Path:
    return folder / f"model-{RECIPES[quantization]}.onnx"


def is_exported(folder: Path) -> bool:
    return all(onnx_model_file(folder, q).exists() for q in QUANTIZATIONS)


def ensure_exported(model_path: Path, folder: Path) -> None:
    """Export both quantizations into `folder` unless they are there already (files of older recipes stay)."""
    if is_exported(folder):
        return
    folder.mkdir(parents=True, exist_ok=True)
    with _exclusive(folder / ".lock"):
        if is_exported(folder):
            return  # another process exported while this one waited
        started = time.perf_counter()
        logger.info(f"Exporting the embedding model {model_path} to ONNX in {folder} (once)")
        with tempfile.TemporaryDirectory(dir=folder, prefix=".export-") as scratch:
            plain, fused = Path(scratch) / "plain.onnx", Path(scratch) / "fp32.onnx"
            _export_plain(model_path, plain)
            _optimize(model_path, plain, fused)
            _quantize(fused, Path(scratch) / "int8.onnx")
            for quantization in QUANTIZATIONS:  # each file appears whole (rename), never half written
                target = onnx_model_file(folder, quantization)
                if not target.exists():
                    (Path(scratch) / f"{quantization}.onnx").replace(target)
        logger.info(f"ONNX export done in {time.perf_counter() - started:.1f} s")


@contextmanager
def _exclusive(lock_path: Path):  # noqa: ANN202 - a context manager
    with lock_path.open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _export_plain(model_path: Path, target: Path) -> None:
    import torch
    from transformers import AutoModel, AutoTokenizer

    model = AutoModel.from_pretrained(str(model_path), local_files_only=True, attn_implementation="eager").eval()
    tokenizer = AutoTokenizer.from_pretrained(str(model_path), local_files_only=True)
    sample = tokenizer(["an example sentence", "a second, longer example sentence"], padding=True, return_tensors="pt")

    class LastHiddenState(torch.nn.Module):
        def __init__(self, encoder: torch.nn.Module) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids, attention_mask, token_type_ids):  # noqa: ANN001, ANN202 - traced tensors
            return self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    dynamic = {name: {0: "batch", 1: "tokens"} for name in (*INPUT_NAMES, "last_hidden_state")}
    with torch.no_grad():
        torch.onnx.export(
            LastHiddenState(model),
            tuple(sample[name] for name in INPUT_NAMES),
            str(target),
            input_names=list(INPUT_NAMES),
            output_names=["last_hidden_state"],
            dynamic_axes=dynamic,
            opset_version=OPSET,
            dynamo=False,  # the TorchScript exporter: no onnxscript needed
        )


def _optimize(model_path: Path, source: Path, target: Path) -> None:
    from onnxruntime.transformers.optimizer import optimize_model

    config = json.loads((model_path / "config.json").read_text())  # the attention fusion needs the head layout
    optimized = optimize_model(
        str(source), model_type="bert", num_heads=config["num_attention_heads"], hidden_size=config["hidden_size"]
    )
    optimized.save_model_to_file(str(target))


def _quantize(fused: Path, target: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(fused),
        str(target),
        op_types_to_quantize=["MatMul", "Attention"],  # not Gather (token embeddings)
        weight_type=QuantType.QInt8,
        per_channel=True,
        extra_options={
            "MatMulConstBOnly": True,  # weights only; activation x activation products stay fp32
            # Shape inference cannot type the outputs of onnxruntime's fused (contrib) operators: they are fp32.
            "DefaultTensorType": onnx.TensorProto.FLOAT,
        },
    )
