"""Lifecycle of the embedded MongoDB-compatible server (nx-27017: the wire protocol over SQLite).

The server runs as its own process so that real pymongo talks to it over a real loopback socket.
Its state (pid + port) lives in `server.json` next to its data, so any process of the same
MOODSWARM_HOME reuses it and two homes never share a server.

A recorded pid is trusted only when that process is really our nx-27017 for this data folder (its
command line names nx_27017 and this folder's pid file) and the server on the port says it is that
process (`serverStatus.pid`): after a reboot the pid may belong to anything, and the port may be held
by another MongoDB (docker-compose's, another home's). Nothing that is not ours is ever signalled.
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


def server_identity(uri: str, timeout_ms: int = 1000) -> tuple[str, int] | None:
    """(process name, pid) the server at `uri` reports, or None when nothing answers."""
    client: pymongo.MongoClient = pymongo.MongoClient(
        uri, serverSelectionTimeoutMS=timeout_ms, connectTimeoutMS=timeout_ms
    )
    try:
        status = client.admin.command("serverStatus")
        return str(status.get("process", "")), int(status.get("pid", -1))
    except PyMongoError:
        return None
    finally:
        client.close()


def _command_line(pid: int) -> list[str]:
    """A process's argv, [] when it is gone or unreadable (Linux /proc: the platform the project targets)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


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

    @property
    def pid_file(self) -> Path:
        """nx-27017's own pid file: it refuses to start while the pid written there is alive."""
        return self.data_dir / "server.pid"

    def is_our_process(self, pid: int) -> bool:
        """True only for a live nx-27017 process started for this data folder (not a reused pid)."""
        argv = _command_line(pid)
        if not any("nx_27017" in part for part in argv):
            return False
        try:
            pid_file = argv[argv.index("--pid-file") + 1]
        except (ValueError, IndexError):
            return False
        return Path(pid_file).resolve() == self.pid_file.resolve()

    def answers_as(self, state: ServerState, timeout_ms: int = 1000) -> bool:
        """The server on `state.port` is nx-27017 and reports `state.pid`: ours, not a stranger on the port."""
        return server_identity(state.uri, timeout_ms) == ("nx_27017", state.pid)

    def state(self) -> ServerState | None:
        """Our running server's state, or None (stale state and pid files are removed)."""
        try:
            raw = json.loads(self.state_file.read_text())
            state = ServerState(pid=int(raw["pid"]), port=int(raw["port"]))
        except (OSError, ValueError, KeyError, TypeError):
            self._clean_stale_pid_file()
            return None
        if not self.is_our_process(state.pid):
            logger.info(f"Forgetting stale embedded MongoDB state (pid {state.pid} is not our server)")
            self.state_file.unlink(missing_ok=True)
            self._clean_stale_pid_file()
            return None
        return state

    def _clean_stale_pid_file(self) -> None:
        """nx-27017 would refuse to start while a reused pid in its pid file is alive: drop it if not ours."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            self.pid_file.unlink(missing_ok=True)
            return
        if not self.is_our_process(pid):
            self.pid_file.unlink(missing_ok=True)

    def is_running(self) -> bool:
        state = self.state()
        return state is not None and self.answers_as(state)

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
                    f"answer as itself on its port. Stop it with `python -m tools.infra down` and retry; "
                    f"log: {self.log_file}"
                )
            return self._start().uri

    def _start(self) -> ServerState:
        port = self.port or free_loopback_port()
        foreign = server_identity(f"mongodb://127.0.0.1:{port}", timeout_ms=500)
        if foreign is not None:  # never attach to a server we did not start
            raise DatabaseUnavailable(
                f"Port 127.0.0.1:{port} is already served by another MongoDB ({foreign[0] or 'unknown'}, "
                f"pid {foreign[1]}), not this home's embedded server ({self.data_dir}). Stop it, set "
                "EMBEDDED_MONGO_PORT to a free port (0 picks one), or point DATABASE_HOST at it on purpose."
            )
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
            if self.answers_as(state, timeout_ms=500):
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
        state = self.state()  # None unless the pid is our nx-27017 for this folder: nothing else is signalled
        if state is None:
            return False
        os.kill(state.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while _pid_alive(state.pid) and time.monotonic() < deadline:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(state.pid, os.WNOHANG)
            time.sleep(0.1)
        if self.is_our_process(state.pid):
            os.kill(state.pid, signal.SIGKILL)
        self.state_file.unlink(missing_ok=True)
        self._clean_stale_pid_file()
        return True
