"""The main job on the embedded default: everything answers (smoke test).

Later stages (sample warehouse -> feature pipeline -> semantic search) extend this entry point.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from llm_engineering.infrastructure.zenml_env import configure_zenml


def main() -> None:
    configure_zenml()
    from pipelines.smoke_test import smoke_test

    smoke_test()


if __name__ == "__main__":
    main()
