"""Point ZenML at MOODSWARM_HOME, offline, before `zenml` is imported anywhere.

ZenML reads these variables once, at import: entry points call `configure_zenml()` first.
"""

from __future__ import annotations

import logging
import os

from llm_engineering.infrastructure.logging_setup import configure_logging
from llm_engineering.settings import IS_CHECKOUT, REPO_ROOT, get_settings

DASHBOARD_COMMAND = "poe zenml-dashboard"  # `python -m tools.zenml_dashboard`
# ZenML logs this hint on every run without a server; it points at a different, empty store.
_ZENML_LOGIN_HINT = "zenml login --local"


class _DashboardHint(logging.Filter):
    """Rewrites ZenML's "run `zenml login --local`" hint into MoodSwarm's own dashboard command."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _ZENML_LOGIN_HINT in record.getMessage():
            record.msg = f"Inspect this run in the ZenML dashboard: `{DASHBOARD_COMMAND}` (MoodSwarm's store, offline)"
            record.args = ()
        return True


class _ExpectedFailureWithoutTraceback(logging.Filter):
    """A step that fails on purpose (an LLMTwinException: every link failed, a bad config) already says why
    in one line; ZenML's orchestrator would add the whole traceback and the message again."""

    def filter(self, record: logging.LogRecord) -> bool:
        from llm_engineering.domain.exceptions import LLMTwinException

        if record.exc_info and isinstance(record.exc_info[1], LLMTwinException):
            record.exc_info, record.exc_text = None, None
        return True


def _add_filter(logger_name: str, log_filter: logging.Filter) -> None:
    target = logging.getLogger(logger_name)
    if not any(type(existing) is type(log_filter) for existing in target.filters):
        target.addFilter(log_filter)


def configure_zenml() -> None:
    settings = get_settings()
    configure_logging()
    settings.zenml_config_dir.mkdir(parents=True, exist_ok=True)
    os.environ["ZENML_CONFIG_PATH"] = str(settings.zenml_config_dir)
    # An installed copy's REPO_ROOT is site-packages: never a place to write to.
    os.environ.setdefault("ZENML_REPOSITORY_PATH", str(REPO_ROOT if IS_CHECKOUT else settings.home))
    os.environ["ZENML_ANALYTICS_OPT_IN"] = "false"
    os.environ.setdefault("ZENML_ENABLE_REPO_INIT_WARNINGS", "false")
    os.environ.setdefault("ZENML_AUTO_OPEN_DASHBOARD", "false")
    # Offline machines: nothing should try to reach a hub or a telemetry endpoint.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("SE_OFFLINE", "true")
    # Loggers are created by name, so the filters are in place before ZenML imports the modules that log.
    _add_filter("zenml.pipelines.pipeline_definition", _DashboardHint())
    _add_filter("zenml.orchestrators.local.local_orchestrator", _ExpectedFailureWithoutTraceback())
