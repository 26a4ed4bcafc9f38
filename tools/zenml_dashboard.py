"""Start the local ZenML dashboard offline (`zenml login --local`) against MOODSWARM_HOME's store."""

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
    command = [str(zenml), "login", "--local", *sys.argv[1:]]
    print(f"$ {' '.join(command)}  (ZENML_CONFIG_PATH={os.environ['ZENML_CONFIG_PATH']})")
    sys.exit(subprocess.call(command))


if __name__ == "__main__":
    main()
