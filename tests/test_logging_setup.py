"""Logs: INFO by default, DEBUG by setting, plain text (no colour codes) when stderr is not a terminal."""

from __future__ import annotations

import logging

import pytest
from loguru import logger

from llm_engineering.infrastructure.logging_setup import configure_logging


def test_levels_and_plain_text_off_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    try:
        assert configure_logging("INFO") == "INFO"
        logger.debug("a detail nobody asked for")
        logger.info("crawled <green>42</green> links")
        logger.warning("one link failed")
        lines = capsys.readouterr().err.splitlines()
        assert len(lines) == 2 and "\x1b[" not in "".join(lines)
        assert lines[0].endswith("| INFO    | crawled <green>42</green> links")  # markup in a message is text
        assert logging.getLogger("sentence_transformers").getEffectiveLevel() == logging.WARNING

        configure_logging("DEBUG")
        logger.debug("a detail asked for")
        assert capsys.readouterr().err.rstrip().endswith("| DEBUG   | a detail asked for")
    finally:
        configure_logging()
