"""Start (or `--stop`) the local ZenML dashboard offline, against MOODSWARM_HOME's store.

Starting runs `zenml login --local` (a local daemon server on 127.0.0.1:8237 that pipelines then report to);
`--stop` runs `zenml logout --local`, which shuts it down and returns to the local SQLite store.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from llm_engineering.infrastructure.zenml_env import configure_zenml


def main() -> None:
    configure_zenml()
    zenml = Path(sys.executable).with_name("zenml")
    args = sys.argv[1:]
    command = [str(zenml), "logout", "--local"] if "--stop" in args else [str(zenml), "login", "--local", *args]
    print(f"$ {' '.join(command)}  (ZENML_CONFIG_PATH={os.environ['ZENML_CONFIG_PATH']})")
    sys.exit(subprocess.call(command))


if __name__ == "__main__":
    main()
