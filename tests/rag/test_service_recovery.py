"""The HTTP service outlives its stores: a real uvicorn process, the embedded MongoDB restarted under it on
another port, stores down or locked (503 with a message, never a bare 500), /health checking both for real."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from llm_engineering.domain.embedded_chunks import EmbeddedChunk
from llm_engineering.infrastructure.db.embedded_mongo import EmbeddedMongoServer, free_loopback_port
from llm_engineering.infrastructure.db.mongo import close_connection
from llm_engineering.infrastructure.db.qdrant import close_qdrant_client
from llm_engineering.settings import REPO_ROOT, reset_settings
from tests.rag.conftest import build_chunks, write_raw_documents


def start_service(env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = free_loopback_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tools.inference_service", "--port", str(port), "--log-level", "warning"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        if process.poll() is not None:
            pytest.fail(f"the service exited: {process.stdout.read().decode(errors='replace')}")
        try:
            httpx.get(f"{url}/openapi.json", timeout=2)
            return process, url
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            pytest.fail("the service did not answer within 90 s")
        time.sleep(0.3)


def stop_service(process: subprocess.Popen) -> str:
    process.terminate()
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output.decode(errors="replace")


@pytest.fixture
def embedded_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A home of its own on the embedded MongoDB (persistent, so a restart keeps the data) and local Qdrant."""
    from llm_engineering.domain.documents import UserDocument

    home = tmp_path / "home"
    monkeypatch.setenv("MOODSWARM_HOME", str(home))
    monkeypatch.delenv("DATABASE_HOST", raising=False)
    monkeypatch.setenv("DATABASE_TIMEOUT_MS", "1500")
    reset_settings()
    close_connection()
    close_qdrant_client()
    try:
        users = {
            "jose": UserDocument(first_name="José", last_name="Núñez").save(),
            "ana": UserDocument(first_name="Ana", last_name="Müller").save(),
        }
        chunks, _ = build_chunks(users)
        for chunk_class, group in EmbeddedChunk.group_by_class(chunks).items():
            chunk_class.bulk_insert(group)
        write_raw_documents(chunks)
        yield home
    finally:
        close_connection()
        close_qdrant_client()
        EmbeddedMongoServer(home / "mongodb").stop()
        reset_settings()


def test_service_reconnects_after_mongodb_restarts_on_another_port(embedded_home: Path) -> None:
    close_connection()
    close_qdrant_client()  # the service takes the embedded store over
    server = EmbeddedMongoServer(embedded_home / "mongodb")
    process, url = start_service(dict(os.environ))
    try:
        health = httpx.get(f"{url}/health", timeout=30)
        assert health.status_code == 200 and health.json()["mongodb"]["status"] == "ok"
        old_port = server.state().port

        server.stop()
        server.ensure_running()  # port 0: a fresh free port
        assert server.state().port != old_port

        health = httpx.get(f"{url}/health", timeout=30)
        assert health.status_code == 200, health.text
        body = {"query": "graph attention", "k": 2, "author": "Núñez"}
        found = httpx.post(f"{url}/search", json=body, timeout=60)
        assert found.status_code == 200, found.text
        assert found.json()["hits"] and found.json()["author"]["full_name"] == "José Núñez"
        assert found.json()["author_reason"] == "author 'Núñez' asked for: José Núñez"
        topic = httpx.post(f"{url}/search", json={"query": "graphs by nunez", "k": 2}, timeout=60).json()
        assert topic["author"] is None and "not written as a name" in topic["author_reason"]
    finally:
        output = stop_service(process)
    assert "Traceback" not in output and "meta_path" not in output, output


def test_stores_down_answer_503_with_a_message(tmp_path: Path) -> None:
    store = tmp_path / "home" / "vector_store"
    store.mkdir(parents=True)
    holder = subprocess.Popen(  # another process holds the embedded store
        [sys.executable, "-c", "from llm_engineering.infrastructure.vector_store.edge import EdgeVectorStore; "
         f"s = EdgeVectorStore({str(store)!r}); print('ready', flush=True); import time; time.sleep(120)"],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    env = {
        **os.environ,
        "MOODSWARM_HOME": str(tmp_path / "home"),
        "DATABASE_HOST": f"mongodb://127.0.0.1:{free_loopback_port()}",  # nothing listens there
        "DATABASE_TIMEOUT_MS": "800",
    }
    try:
        assert holder.stdout.readline().strip() == "ready"
        process, url = start_service(env)
        try:
            health = httpx.get(f"{url}/health", timeout=30)
            assert health.status_code == 503
            checks = health.json()
            assert checks["status"] == "unavailable"
            assert checks["mongodb"]["status"] == "unavailable" and "MongoDB" in checks["mongodb"]["message"]
            assert "locked by another process" in checks["vector_store"]["message"]

            search = httpx.post(f"{url}/search", json={"query": "graphs", "k": 2}, timeout=60)
            assert search.status_code == 503 and search.json()["message"]
        finally:
            stop_service(process)
    finally:
        holder.kill()
        holder.wait()
