"""Point ZenML at MOODSWARM_HOME, offline, before `zenml` is imported anywhere.

ZenML reads these variables once, at import: entry points call `configure_zenml()` first.
"""

from __future__ import annotations

import os

from llm_engineering.settings import REPO_ROOT, get_settings


def configure_zenml() -> None:
    settings = get_settings()
    settings.zenml_config_dir.mkdir(parents=True, exist_ok=True)
    os.environ["ZENML_CONFIG_PATH"] = str(settings.zenml_config_dir)
    os.environ.setdefault("ZENML_REPOSITORY_PATH", str(REPO_ROOT))
    os.environ["ZENML_ANALYTICS_OPT_IN"] = "false"
    os.environ.setdefault("ZENML_ENABLE_REPO_INIT_WARNINGS", "false")
    os.environ.setdefault("ZENML_LOGGING_COLORS_DISABLED", "false")
    os.environ.setdefault("ZENML_AUTO_OPEN_DASHBOARD", "false")
    # Offline machines: nothing should try to reach a hub or a telemetry endpoint.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("SE_OFFLINE", "true")
