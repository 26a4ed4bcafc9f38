"""Initialise ZenML's local store under MOODSWARM_HOME (offline, analytics off). Idempotent."""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from llm_engineering.infrastructure.zenml_env import configure_zenml


def main() -> None:
    configure_zenml()
    from zenml.client import Client

    client = Client()
    import os

    stack = client.active_stack_model
    print(f"ZenML ready: stack {stack.name!r}, config in {os.environ['ZENML_CONFIG_PATH']}")


if __name__ == "__main__":
    main()
