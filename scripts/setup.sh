#!/usr/bin/env bash
# Idempotent setup on a fresh machine: virtualenv, CPU torch, the project, Chromium + ChromeDriver,
# ZenML initialised offline. Safe to run again: every step checks before it acts.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
VENV="${VENV:-.venv}"

if [ ! -x "$VENV/bin/python" ]; then
  echo "==> creating virtualenv $VENV"
  "$PYTHON" -m venv "$VENV"
fi
# shellcheck disable=SC1091
. "$VENV/bin/activate"
export PIP_DISABLE_PIP_VERSION_CHECK=1

# The CPU build of torch first, so nothing later can pull a multi-GB CUDA build.
if ! python -c "import torch, sys; sys.exit(0 if torch.__version__ == '2.13.0+cpu' else 1)" 2>/dev/null; then
  echo "==> installing torch 2.13.0 (CPU build)"
  pip install -q "torch==2.13.0"
fi

echo "==> installing MoodSwarm and its pinned dependencies"
pip install -q -e ".[dev]"

python - <<'PY'
import torch
assert torch.version.cuda is None, f"a CUDA build of torch came in ({torch.__version__}); reinstall the CPU build"
print(f"==> torch {torch.__version__} (CPU only)")
PY

if ! { [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; }; then
  echo "==> installing chromium + chromium-driver (Debian)"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium chromium-driver
fi

echo "==> exporting the embedding model to ONNX (once; reused from the user cache afterwards)"
python -m tools.embedding_model export

echo "==> initialising ZenML offline under MOODSWARM_HOME"
python -m tools.zenml_init
echo "==> setup done"
