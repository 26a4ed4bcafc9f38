"""A small loopback HTTP server for the sample site, tests and benchmarks.

Serves files from a folder, git repositories under `/git/` through `git http-backend` (smart HTTP, so
shallow clones work), and optional scripted routes (status, body, delay) for error and slow pages.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

GIT_PREFIX = "/git/"


@dataclass
class Route:
    """A scripted answer; `responses` (if set) are used one per request, then `status`/`body` again."""

    body: str = ""
    status: int = 200
    delay_s: float = 0.0
    content_type: str = "text/html; charset=utf-8"
    responses: list[tuple[int, str]] | None = None
    hits: int = 0
    headers: dict[str, str] = field(default_factory=dict)  # e.g. {"Location": ...} for a redirect


class _Handler(SimpleHTTPRequestHandler):
    server: LocalSiteServer  # type: ignore[assignment]

    def __init__(self, request: Any, client_address: Any, server: LocalSiteServer) -> None:
        super().__init__(request, client_address, server, directory=str(server.root))

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet: tests read their own output
        pass

    def do_GET(self) -> None:
        self._dispatch(super().do_GET)

    def do_HEAD(self) -> None:
        self._dispatch(super().do_HEAD)

    def do_POST(self) -> None:
        self._dispatch(lambda: self.send_error(405))

    def _dispatch(self, static: Callable[[], None]) -> None:
        path = urlsplit(self.path).path
        self.server.requests.append(path)
        route = self.server.routes.get(path)
        if route is not None:
            self._answer(route)
        elif path.startswith(GIT_PREFIX) and self.server.git_root is not None:
            self._git()
        else:
            static()

    def _answer(self, route: Route) -> None:
        route.hits += 1
        status, body = route.status, route.body
        if route.responses:
            status, body = route.responses.pop(0)
        if route.delay_s:
            time.sleep(route.delay_s)
        data = body.encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", route.content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in route.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test): nothing to answer

    def _git(self) -> None:
        """Bridge one request to `git http-backend` (CGI)."""
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": str(self.server.git_root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "PATH_INFO": parts.path[len(GIT_PREFIX) - 1 :],
            "QUERY_STRING": parts.query,
            "REQUEST_METHOD": self.command,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(length),
            "REMOTE_ADDR": self.client_address[0],
            "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
            "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", ""),
        }
        result = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True, timeout=60)
        head, _, payload = result.stdout.partition(b"\r\n\r\n")
        status, headers = 200, []
        for line in head.decode("latin-1").split("\r\n"):
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.strip().split()[0])
            elif name:
                headers.append((name, value.strip()))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class LocalSiteServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        root: Path,
        *,
        git_root: Path | None = None,
        routes: dict[str, Route] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.root = Path(root)
        self.git_root = git_root
        self.routes: dict[str, Route] = dict(routes or {})
        self.requests: list[str] = []
        self._thread: threading.Thread | None = None
        super().__init__((host, port), _Handler)

    @property
    def netloc(self) -> str:
        host, port = self.server_address[:2]
        return f"{host}:{port}"

    def url(self, path: str = "/") -> str:
        return f"http://{self.netloc}/{path.lstrip('/')}"

    def start(self) -> LocalSiteServer:
        self._thread = threading.Thread(target=self.serve_forever, name=f"local-site-{self.netloc}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> LocalSiteServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Ada Quill",
    "GIT_AUTHOR_EMAIL": "ada.quill@example.org",
    "GIT_COMMITTER_NAME": "Ada Quill",
    "GIT_COMMITTER_EMAIL": "ada.quill@example.org",
    "GIT_AUTHOR_DATE": "2025-01-15T09:00:00+00:00",
    "GIT_COMMITTER_DATE": "2025-01-15T09:00:00+00:00",
}


def make_bare_repository(work_tree: Path, bare_path: Path) -> Path:
    """Commit `work_tree` (files as they are, symlinks too) and publish it as a bare repo at `bare_path`."""
    env = {**os.environ, **GIT_IDENTITY, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}

    def git(*args: str, cwd: Path) -> None:
        subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, timeout=60)

    if (work_tree / ".git").exists():
        shutil.rmtree(work_tree / ".git")
    git("init", "--quiet", "--initial-branch=main", ".", cwd=work_tree)
    git("add", "--all", ".", cwd=work_tree)
    git("commit", "--quiet", "--no-verify", "-m", "Initial commit", cwd=work_tree)
    if bare_path.exists():
        shutil.rmtree(bare_path)
    bare_path.parent.mkdir(parents=True, exist_ok=True)
    git("clone", "--quiet", "--bare", str(work_tree), str(bare_path), cwd=bare_path.parent)
    shutil.rmtree(work_tree / ".git")
    return bare_path
