"""tools.lineage follows a document through the real stores; docs/data_save_flow.html renders in Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from llm_engineering.application.lineage import DocumentNotFound, trace_document
from llm_engineering.application.lineage.render_html import lineage_html
from llm_engineering.application.preprocessing import feature_service
from llm_engineering.settings import REPO_ROOT, get_settings
from tools.lineage import main

SAMPLE_PAGE = REPO_ROOT / "docs" / "data_save_flow.html"


def _load_features() -> None:
    cleaned, _ = feature_service.clean_documents(None)
    embedded, _, _ = feature_service.chunk_and_embed(cleaned)
    feature_service.load_stream(embedded)
    feature_service.load_stream(cleaned)


def test_lineage_of_a_stored_document(warehouse: dict, tmp_path: Path) -> None:
    link = warehouse["article"].link
    before = trace_document(link)
    assert before.points == [] and "run the feature pipeline" in before.notes[0]
    assert "💪" not in before.cleaned_text and before.removed_characters > 0  # cleaning removed markup

    _load_features()
    lineage = trace_document(link, query="Qdrant stores embeddings next to payloads", k=10)
    assert len(lineage.chunks) == len(lineage.points) > 1 and lineage.notes == []
    assert all(p.matches_recomputed_chunk and p.dense_dimensions == 384 for p in lineage.points)
    assert all(abs(p.dense_norm - 1.0) < 1e-3 and p.sparse_terms > 0 for p in lineage.points)
    assert [c.text for c in lineage.chunks] == [lineage.cleaned_text[c.start : c.end] for c in lineage.chunks]
    assert max(c.token_count for c in lineage.chunks) <= get_settings().EMBEDDING_MAX_TOKENS
    assert lineage.ranking and lineage.ranking[0].mine  # the article is the best match for its own words

    html = lineage_html(lineage)
    assert html.count('<h2 id="') == 5 and "<del>" in html and 'class="mine"' in html
    assert "src=" not in html and "http-equiv" not in html

    page = tmp_path / "flow.html"
    result = CliRunner().invoke(main, [link, "--query", "vector databases", "--html", str(page)])
    assert result.exit_code == 0, result.output
    assert "4. Stored points" in result.output and "rank 1" in result.output and page.read_text() != ""

    with pytest.raises(DocumentNotFound):
        trace_document("https://example.com/never-crawled")
    missing = CliRunner().invoke(main, ["https://example.com/never-crawled"])
    assert missing.exit_code == 1 and "No document in the warehouse" in missing.output


@pytest.mark.browser
def test_committed_data_save_flow_page_renders(tmp_path: Path) -> None:
    settings = get_settings()
    if not settings.CHROMIUM_BINARY.is_file() or not settings.CHROMEDRIVER_PATH.is_file():
        pytest.skip("Debian's chromium and chromium-driver are not installed")
    from tools.page_check import check_page

    report = check_page(SAMPLE_PAGE.as_uri(), wait_for="5. Where it ranks", screenshot=tmp_path / "flow.png")
    assert report.found and report.title.startswith("Data save flow")
    assert report.console_errors == []
    assert report.screenshot is not None and report.screenshot.stat().st_size > 10_000
