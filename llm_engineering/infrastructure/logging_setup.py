"""How MoodSwarm's processes log: INFO by default (DEBUG by setting), plain text when not on a terminal.

Log lines go through `tqdm.write`, which clears any progress bar, prints the line and redraws the bar, so
bars and log lines never share a line. Progress bars are turned off when stderr is not a terminal (a
piped log gets no carriage-return noise). ZenML's own logger gets the same level and colour choice.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import TextIO

from loguru import logger

from llm_engineering.settings import get_settings

FORMAT = "{time:HH:mm:ss} | {level: <7} | {message}"
COLOR_FORMAT = "<green>{time:HH:mm:ss}</green> | <level>{level: <7}</level> | <level>{message}</level>"
QUIET_LIBRARIES = ("sentence_transformers", "httpx", "selenium", "urllib3")
_sink_id: int | None = None


def is_terminal(stream: TextIO | None = None) -> bool:
    stream = stream or sys.stderr
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # closed or replaced streams
        return False


def _write_above_bars(message: str) -> None:
    from tqdm import tqdm

    tqdm.write(message.rstrip("\n"), file=sys.stderr)


def configure_logging(level: str | None = None) -> str:
    """Install the one loguru sink (idempotent) and align ZenML and tqdm; returns the level in use."""
    global _sink_id
    level = (level or get_settings().LOG_LEVEL).upper()
    terminal = is_terminal()
    if _sink_id is None:
        logger.remove()  # loguru's default sink logs DEBUG with colours whatever the stream
    else:
        logger.remove(_sink_id)
    _sink_id = logger.add(
        _write_above_bars,
        level=level,
        format=COLOR_FORMAT if terminal else FORMAT,
        colorize=terminal,
        backtrace=False,
        diagnose=level == "DEBUG",  # variable values in tracebacks only when asked for
    )
    # ZenML reads these when it is imported; setdefault leaves a user's explicit choice alone.
    os.environ.setdefault("ZENML_LOGGING_VERBOSITY", level if level in logging.getLevelNamesMapping() else "INFO")
    os.environ.setdefault("ZENML_LOGGING_COLORS_DISABLED", "false" if terminal else "true")
    if not terminal:
        os.environ.setdefault("TQDM_DISABLE", "1")
    # Libraries that announce routine work at INFO (we log our own line for it): details only at DEBUG.
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.DEBUG if level == "DEBUG" else logging.WARNING)
    return level
