"""The HTTP service's /docs needs no internet, and malformed JSON gets a readable 422."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from llm_engineering.infrastructure.inference_service import create_app


def test_docs_page_and_its_assets_are_served_locally() -> None:
    client = TestClient(create_app())  # no search is made: nothing connects
    page = client.get("/docs")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text) + re.findall(r"url: '([^']+)'", page.text)
    assert sources and all(source.startswith("/") for source in sources), sources  # nothing from a CDN
    for source in sources:
        asset = client.get(source)
        assert asset.status_code == 200 and asset.content, source
    assert "SwaggerUIBundle" in client.get("/docs-assets/swagger-ui-bundle.js").text
    assert client.get("/redoc").status_code == 404  # ReDoc only exists as a CDN page: not offered


def test_malformed_json_is_a_readable_422() -> None:
    client = TestClient(create_app())
    response = client.post(
        "/search", content=b'{"query": "llama", "k": }', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["message"].startswith("the request body is not valid JSON (Expecting value at character")
