"""The feature pipeline's run report: run-level metadata and an HTML page with pictures, through ZenML."""

from __future__ import annotations

from llm_engineering.application.reports.feature_report import collect_chunk_facts, feature_run_metadata
from llm_engineering.application.reports.svg_charts import histogram
from tests.feature.conftest import AUTHOR, OTHER_AUTHOR


def test_run_carries_metadata_and_an_html_report(warehouse: dict) -> None:
    from zenml.client import Client

    from pipelines.feature_engineering import feature_engineering

    run = feature_engineering.with_options(enable_cache=False)(author_full_names=[])
    run = Client().get_pipeline_run(run.id)
    metadata = run.run_metadata
    embedded = run.steps["chunk_and_embed"].run_metadata
    assert metadata["documents"] == 3 and metadata["skipped_unchanged"] == 0
    assert metadata["chunks_embedded"] == embedded["chunks"] > 2 and metadata["chunks_over_limit"] == 0
    assert 0 < metadata["max_tokens_per_chunk"] <= metadata["token_limit"] == 256
    assert metadata["tokens"] > 0 and 0 <= metadata["unk_share"] < 0.01
    assert set(metadata["documents_and_chunks_per_author"]) == {AUTHOR, OTHER_AUTHOR}
    assert {"clean_documents", "chunk_and_embed", "load_embedded_chunks"} <= set(metadata["seconds_per_stage"])

    (report,) = run.steps["feature_report"].outputs["feature_report"]
    assert [v.type for v in report.visualizations] == ["html"]
    html = report.load()
    assert html.count("<svg") == 4  # three category histograms and the per-author bars
    assert "limit 256" in html and AUTHOR in html and "skipped (unchanged)" in html
    assert "<script" not in html and "src=" not in html  # self-contained: nothing to fetch


def test_facts_histogram_and_optional_figures() -> None:
    records = [
        {"category": "articles", "chunks": [_chunk("a b", 40, "Ada"), _chunk("c", 250, "Ada")]},
        {"category": "posts", "chunks": [_chunk("zz", 12, "Alan")]},
        {"category": "posts", "chunks": []},
    ]
    facts = collect_chunk_facts(records, tokenize=lambda texts: [[101, 100, 5, 102] for _ in texts], unk_id=100)
    assert facts.tokens_by_category == {"articles": [40, 250], "posts": [12]}
    assert facts.per_author == {"Ada": {"documents": 1, "chunks": 2}, "Alan": {"documents": 1, "chunks": 1}}
    assert (facts.total_tokens, facts.unk_tokens, facts.unk_share) == (12, 3, 0.25)

    steps = {"reconcile_feature_store": {"pruned_documents": 2, "pruned_chunks": 7}, "clean_documents": {"x": 1}}
    metadata = feature_run_metadata(facts, steps, {"clean_documents": 1.234}, limit=256)
    assert metadata["pruned_documents"] == 2 and metadata["pruned_chunks"] == 7 and "re_embedded" not in metadata
    assert metadata["seconds_per_stage"] == {"clean_documents": 1.23} and metadata["chunks_over_limit"] == 0

    svg = histogram([40, 250, 300], limit=256, bin_width=16)
    assert svg.count("<rect") == 3 and "limit 256" in svg and "289-304 tokens: 1 chunk(s)" in svg


def _chunk(content: str, tokens: int, author: str) -> dict:
    return {"content": content, "author_full_name": author, "metadata": {"token_count": tokens}}
