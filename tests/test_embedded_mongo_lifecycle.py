"""The embedded MongoDB never trusts a bare pid or a bare ping: reused pids and strangers on the port are
simulated with real processes and a real second server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from llm_engineering.domain.exceptions import DatabaseUnavailable
from llm_engineering.infrastructure.db.embedded_mongo import EmbeddedMongoServer, free_loopback_port

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def stranger() -> Iterator[subprocess.Popen]:
    """A live process that is not our server: what a pid from before a reboot may point at."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    yield process
    process.kill()
    process.wait()


def _pretend_state(server: EmbeddedMongoServer, pid: int, port: int) -> None:
    server.data_dir.mkdir(parents=True, exist_ok=True)
    server.state_file.write_text(json.dumps({"pid": pid, "port": port}))
    server.pid_file.write_text(str(pid))


def test_reused_pid_is_stale_and_never_signalled(tmp_path: Path, stranger: subprocess.Popen) -> None:
    server = EmbeddedMongoServer(tmp_path / "mongo", in_memory=True)
    _pretend_state(server, stranger.pid, free_loopback_port())

    assert server.state() is None  # alive, but not our nx-27017: stale
    assert not server.state_file.exists() and not server.pid_file.exists()  # nx-27017's own pid file too
    assert server.stop() is False
    assert stranger.poll() is None  # never signalled

    _pretend_state(server, stranger.pid, free_loopback_port())
    try:
        uri = server.ensure_running()  # starts our own server instead of trusting the stale pid
        state = server.state()
        assert state is not None and state.pid != stranger.pid and uri == state.uri
        assert server.is_running()
    finally:
        server.stop()
    assert stranger.poll() is None


def test_infra_down_never_signals_a_foreign_process(tmp_path: Path, stranger: subprocess.Popen) -> None:
    home = tmp_path / "home"
    _pretend_state(EmbeddedMongoServer(home / "mongodb"), stranger.pid, free_loopback_port())
    env = {**os.environ, "MOODSWARM_HOME": str(home)}
    env.pop("DATABASE_HOST", None)
    down = subprocess.run(
        [sys.executable, "-m", "tools.infra", "down"], cwd=REPO_ROOT, env=env, capture_output=True, text=True
    )
    assert down.returncode == 0 and "was not running" in down.stdout
    assert stranger.poll() is None


def test_another_homes_server_on_the_port_is_not_attached_to(tmp_path: Path) -> None:
    other = EmbeddedMongoServer(tmp_path / "other", in_memory=True)
    other_uri = other.ensure_running()
    port = int(other_uri.rsplit(":", 1)[1])
    ours = EmbeddedMongoServer(tmp_path / "ours", port=port, in_memory=True)
    try:
        with pytest.raises(DatabaseUnavailable) as caught:
            ours.ensure_running()
        message = str(caught.value)
        assert f"127.0.0.1:{port}" in message and "another MongoDB" in message and "EMBEDDED_MONGO_PORT" in message

        # A state file pointing at the other home's live server (its pid, its port) is not trusted either.
        other_state = other.state()
        assert other_state is not None
        _pretend_state(ours, other_state.pid, port)
        assert ours.state() is None
        assert ours.stop() is False
        assert other.is_running()  # the other home's server was left alone
    finally:
        other.stop()


def test_a_server_answering_as_someone_else_is_not_ours(tmp_path: Path) -> None:
    """Our pid is alive but the port now answers for another process: identity, not ping, decides."""
    ours = EmbeddedMongoServer(tmp_path / "ours", in_memory=True)
    other = EmbeddedMongoServer(tmp_path / "other", in_memory=True)
    ours.ensure_running()
    other_port = int(other.ensure_running().rsplit(":", 1)[1])
    try:
        state = ours.state()
        assert state is not None
        ours.state_file.write_text(json.dumps({"pid": state.pid, "port": other_port}))
        assert not ours.is_running()
    finally:
        ours.state_file.write_text(json.dumps({"pid": state.pid, "port": state.port}))
        ours.stop()
        other.stop()
