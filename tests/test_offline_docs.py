"""The HTTP service's /docs needs no internet, and malformed JSON gets a readable 422."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from llm_engineering.infrastructure.inference_service import create_app
from llm_engineering.settings import get_settings


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_and_their_assets_are_served_locally(page: str) -> None:
    client = TestClient(create_app())  # no search is made: nothing connects
    html = client.get(page)
    assert html.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', html.text) + re.findall(r"url: '([^']+)'", html.text)
    assert sources and all(source.startswith("/") for source in sources), sources  # nothing from a CDN
    for source in sources:
        asset = client.get(source)
        assert asset.status_code == 200 and asset.content, source


def test_malformed_json_is_a_readable_422() -> None:
    client = TestClient(create_app())
    response = client.post(
        "/search", content=b'{"query": "llama", "k": }', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["message"].startswith("the request body is not valid JSON (Expecting value at character")


@pytest.fixture
def live_service() -> Iterator[str]:
    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.mark.browser
def test_docs_render_in_chromium_offline(live_service: str, tmp_path: Path) -> None:
    settings = get_settings()
    if not settings.CHROMIUM_BINARY.is_file() or not settings.CHROMEDRIVER_PATH.is_file():
        pytest.skip("Debian's chromium and chromium-driver are not installed")
    from tools.page_check import check_page

    report = check_page(f"{live_service}/docs", wait_for="/search", screenshot=tmp_path / "docs.png")
    assert report.found, report.text[:500]  # Swagger UI rendered the OpenAPI 3.1 schema's operations
    assert "Unable to render" not in report.text and report.console_errors == []
