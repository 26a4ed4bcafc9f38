"""Publish a step's report where the ZenML dashboard shows it: the run's Metadata tab and HTML artifacts.

Only call these inside a running step.
"""

from __future__ import annotations

from typing import Any


def log_run_metadata(metadata: dict[str, Any]) -> None:
    """Metadata on the pipeline run itself (not only on the step), merged with what other steps logged."""
    from zenml import get_step_context, log_metadata

    log_metadata(metadata=metadata, run_id_name_or_prefix=get_step_context().pipeline_run.id)


def save_html_report(name: str, html: str) -> None:
    """An artifact of this step whose visualization is the page itself (works even when the step then fails)."""
    from zenml import save_artifact
    from zenml.types import HTMLString

    save_artifact(HTMLString(html), name=name)


def save_markdown_report(name: str, markdown: str) -> None:
    from zenml import save_artifact
    from zenml.types import MarkdownString

    save_artifact(MarkdownString(markdown), name=name)
