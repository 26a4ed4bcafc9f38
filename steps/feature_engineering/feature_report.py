"""The run's report: run-level metadata and an HTML page with pictures, rendered by the ZenML dashboard."""

from __future__ import annotations

from typing import Annotated, Any

from zenml import get_step_context, log_metadata, step
from zenml.types import HTMLString

from llm_engineering.application.preprocessing.jsonl_stream import JsonlStream
from llm_engineering.application.reports.feature_report import (
    collect_chunk_facts,
    feature_report_html,
    feature_run_metadata,
)
from llm_engineering.infrastructure.zenml_reports import log_run_metadata
from llm_engineering.settings import get_settings


@step(enable_cache=False)
def feature_report(embedded_chunks: JsonlStream) -> Annotated[HTMLString, "feature_report"]:
    from zenml.client import Client

    run = Client().get_pipeline_run(get_step_context().pipeline_run.id)
    step_metadata = {name: dict(step_run.run_metadata) for name, step_run in run.steps.items()}
    durations = {
        name: (step_run.end_time - step_run.start_time).total_seconds()
        for name, step_run in run.steps.items()
        if step_run.start_time and step_run.end_time
    }
    facts = collect_chunk_facts(embedded_chunks.iter_records(), *_tokenizer(embedded_chunks))
    limit = get_settings().EMBEDDING_MAX_TOKENS
    metadata = feature_run_metadata(facts, step_metadata, durations, limit)
    log_metadata(metadata=metadata)
    log_run_metadata(metadata)
    return HTMLString(feature_report_html(facts, metadata, limit))


def _tokenizer(stream: JsonlStream) -> tuple[Any, int | None]:
    """The embedding model's tokenizer, to count [UNK]; not loaded when nothing was embedded."""
    if not stream.count:
        return None, None
    from llm_engineering.application.networks.embeddings import get_embedding_model

    tokenizer = get_embedding_model().tokenizer

    def tokenize(texts: list[str]) -> list[list[int]]:
        return tokenizer(texts, add_special_tokens=True, verbose=False)["input_ids"]

    return tokenize, tokenizer.unk_token_id
