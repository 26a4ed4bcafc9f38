"""Lifecycle of the embedded MongoDB-compatible server (nx-27017: the wire protocol over SQLite).

The server runs as its own process so that real pymongo talks to it over a real loopback socket.
Its state (pid + port) lives in `server.json` next to its data, so any process of the same
MOODSWARM_HOME reuses it and two homes never share a server.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pymongo
from loguru import logger
from pymongo.errors import PyMongoError

from llm_engineering.domain.exceptions import DatabaseUnavailable

STARTUP_TIMEOUT_S = 20.0


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ping(uri: str, timeout_ms: int = 1000) -> bool:
    client: pymongo.MongoClient = pymongo.MongoClient(
        uri, serverSelectionTimeoutMS=timeout_ms, connectTimeoutMS=timeout_ms
    )
    try:
        client.admin.command("ping")
        return True
    except PyMongoError:
        return False
    finally:
        client.close()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class ServerState:
    pid: int
    port: int

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}"


class EmbeddedMongoServer:
    """Start, reuse, stop and inspect one nx-27017 server whose data lives under `data_dir`.

    `in_memory=True` keeps the data in SQLite's memory (tests): nothing survives a stop.
    """

    def __init__(self, data_dir: Path, port: int = 0, in_memory: bool = False) -> None:
        self.data_dir = Path(data_dir)
        self.port = port
        self.in_memory = in_memory

    @property
    def state_file(self) -> Path:
        return self.data_dir / "server.json"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "server.log"

    def state(self) -> ServerState | None:
        """The running server's state, or None (a stale state file is removed)."""
        try:
            raw = json.loads(self.state_file.read_text())
            state = ServerState(pid=int(raw["pid"]), port=int(raw["port"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if not _pid_alive(state.pid):
            self.state_file.unlink(missing_ok=True)
            return None
        return state

    def is_running(self) -> bool:
        state = self.state()
        return state is not None and ping(state.uri)

    def ensure_running(self) -> str:
        """Return the URI of a server that answers `ping`, starting one if needed."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # A file lock: two processes asking at once start one server, not two.
        with open(self.data_dir / ".start.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            state = self.state()
            if state is not None:
                if self._wait_for_ping(state, timeout_s=5.0):
                    return state.uri
                raise DatabaseUnavailable(
                    f"The embedded MongoDB server (pid {state.pid}, port {state.port}) is running but does not "
                    f"answer ping. Stop it with `python -m tools.infra down` and retry; log: {self.log_file}"
                )
            return self._start().uri

    def _start(self) -> ServerState:
        port = self.port or free_loopback_port()
        db_dir = "memory" if self.in_memory else str(self.data_dir / "data")
        command = [
            sys.executable, "-m", "nx_27017.nx_27017",
            "--data-dir", db_dir,
            "--host", "127.0.0.1",
            "--port", str(port),
            "--pid-file", str(self.data_dir / "server.pid"),
            "--log-file", str(self.log_file),
        ]  # fmt: skip
        logger.info(f"Starting embedded MongoDB (nx-27017) on 127.0.0.1:{port}, data in {db_dir}")
        with open(self.data_dir / "server.out", "ab") as out:
            process = subprocess.Popen(
                command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
            )
        state = ServerState(pid=process.pid, port=port)
        if not self._wait_for_ping(state, timeout_s=STARTUP_TIMEOUT_S, process=process):
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            raise DatabaseUnavailable(
                f"The embedded MongoDB server did not start on 127.0.0.1:{port} within {STARTUP_TIMEOUT_S:.0f}s. "
                f"Last output:\n{self._tail()}"
            )
        self.state_file.write_text(json.dumps({"pid": state.pid, "port": state.port}))
        return state

    def _wait_for_ping(self, state: ServerState, timeout_s: float, process: subprocess.Popen | None = None) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if process is not None and process.poll() is not None:
                return False
            if ping(state.uri, timeout_ms=500):
                return True
            time.sleep(0.1)
        return False

    def _tail(self, lines: int = 15) -> str:
        chunks = []
        for path in (self.data_dir / "server.out", self.log_file):
            if path.exists():
                chunks.extend(path.read_text(errors="replace").splitlines()[-lines:])
        return "\n".join(chunks) or "(no output)"

    def stop(self, timeout_s: float = 10.0) -> bool:
        """Stop the server; True if one was running."""
        state = self.state()
        if state is None:
            return False
        os.kill(state.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while _pid_alive(state.pid) and time.monotonic() < deadline:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(state.pid, os.WNOHANG)
            time.sleep(0.1)
        if _pid_alive(state.pid):
            os.kill(state.pid, signal.SIGKILL)
        self.state_file.unlink(missing_ok=True)
        return True
