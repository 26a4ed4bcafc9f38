"""Stores that are down or locked fail fast with a message that says what to do."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from llm_engineering.domain.exceptions import DatabaseUnavailable, ImproperlyConfigured
from llm_engineering.infrastructure.db.embedded_mongo import EmbeddedMongoServer, free_loopback_port
from llm_engineering.infrastructure.db.mongo import close_connection, get_database
from llm_engineering.settings import Settings, redact, reset_settings

REPO_ROOT = Path(__file__).resolve().parent.parent


def test_database_down_fails_within_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_loopback_port()  # nothing listens there
    monkeypatch.setenv("DATABASE_HOST", f"mongodb://app:s3cret@127.0.0.1:{port}")
    monkeypatch.setenv("DATABASE_TIMEOUT_MS", "1500")
    reset_settings()
    close_connection()
    started = time.monotonic()
    with pytest.raises(DatabaseUnavailable) as caught:
        get_database()
    assert time.monotonic() - started < 5
    message = str(caught.value)
    assert f"127.0.0.1:{port}" in message and "s3cret" not in message and "app:***@" in message
    reset_settings()


def test_bad_database_host_is_rejected() -> None:
    with pytest.raises(ImproperlyConfigured, match="mongodb://"):
        Settings(DATABASE_HOST="localhost:27017")


def test_passwords_are_redacted() -> None:
    assert redact("mongodb://user:pw@host:27017/db") == "mongodb://user:***@host:27017/db"
    settings = Settings(DATABASE_HOST="mongodb://user:pw@host:27017")
    assert "pw" not in str(settings.describe())


def test_embedded_vector_store_locked_by_another_process(qdrant_local: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", "from llm_engineering.infrastructure.bootstrap import get_vector_store; "
         "get_vector_store(); print('ready', flush=True); import time; time.sleep(60)"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        from llm_engineering.infrastructure.bootstrap import get_vector_store

        with pytest.raises(DatabaseUnavailable) as caught:
            get_vector_store()
        message = str(caught.value)
        assert str(qdrant_local) in message and "QDRANT_URL" in message and "Stop the other" in message
    finally:
        holder.kill()
        holder.wait()


def test_embedded_server_survives_restart_with_data_and_indexes(tmp_path: Path) -> None:
    import pymongo

    server = EmbeddedMongoServer(tmp_path / "mongo")
    uri = server.ensure_running()
    assert server.ensure_running() == uri  # reused, not a second server
    client = pymongo.MongoClient(uri)
    client.twin.articles.create_index("link", unique=True)
    client.twin.articles.insert_one({"_id": "1", "link": "https://a"})
    client.close()
    assert server.stop()
    assert not server.is_running()

    uri = server.ensure_running()
    client = pymongo.MongoClient(uri)
    try:
        assert client.twin.articles.find_one({"_id": "1"}) == {"_id": "1", "link": "https://a"}
        with pytest.raises(pymongo.errors.DuplicateKeyError):
            client.twin.articles.insert_one({"_id": "2", "link": "https://a"})
    finally:
        client.close()
        server.stop()


def test_two_homes_get_two_servers(tmp_path: Path) -> None:
    first, second = EmbeddedMongoServer(tmp_path / "a"), EmbeddedMongoServer(tmp_path / "b")
    try:
        assert first.ensure_running() != second.ensure_running()
    finally:
        first.stop()
        second.stop()


def test_infra_cli_up_status_down(tmp_path: Path) -> None:
    env = {**__import__("os").environ, "MOODSWARM_HOME": str(tmp_path / "home")}
    env.pop("DATABASE_HOST", None)

    def infra(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "tools.infra", *args], cwd=REPO_ROOT, env=env,
                              capture_output=True, text=True, timeout=60)  # fmt: skip

    up = infra("up")
    assert up.returncode == 0, up.stderr
    assert "embedded MongoDB is up at mongodb://127.0.0.1:" in up.stdout
    status = infra("status")
    assert status.returncode == 0 and "running (pid" in status.stdout
    assert infra("down").returncode == 0
    stopped = infra("status")
    assert stopped.returncode == 1 and "stopped" in stopped.stdout
