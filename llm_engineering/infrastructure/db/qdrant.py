"""The one Qdrant client of a process, created lazily on first use.

`QDRANT_URL` unset -> qdrant-client local mode under MOODSWARM_HOME. Local mode takes an exclusive
lock on its folder, so a process holds exactly one client and a second process gets a clear error.
"""

from __future__ import annotations

import threading

from loguru import logger
from qdrant_client import QdrantClient

from llm_engineering.domain.exceptions import DatabaseUnavailable
from llm_engineering.settings import get_settings

_lock = threading.Lock()
_client: QdrantClient | None = None


def get_qdrant_client() -> QdrantClient:
    global _client
    with _lock:
        if _client is None:
            _client = _connect()
        return _client


def _connect() -> QdrantClient:
    settings = get_settings()
    if settings.QDRANT_URL:
        client = QdrantClient(url=settings.QDRANT_URL, api_key=settings.QDRANT_API_KEY, timeout=30)
        try:
            client.get_collections()
        except Exception as error:  # qdrant-client raises transport-specific types
            raise DatabaseUnavailable(
                f"Cannot reach Qdrant at {settings.QDRANT_URL} ({type(error).__name__}: {error}). "
                "Is the server running? Unset QDRANT_URL to use local mode."
            ) from None
        logger.debug(f"Connected to Qdrant at {settings.QDRANT_URL}")
        return client
    path = settings.qdrant_path
    path.mkdir(parents=True, exist_ok=True)
    try:
        client = QdrantClient(path=str(path))
    except RuntimeError as error:
        if "already accessed" not in str(error):
            raise
        raise DatabaseUnavailable(
            f"The local Qdrant storage {path} is locked by another process (local mode allows one process at a "
            "time). Stop the other MoodSwarm process (a pipeline, the inference service, qdrant_inspect), "
            "or set QDRANT_URL to use a Qdrant server that many processes can share."
        ) from None
    logger.debug(f"Opened local Qdrant storage at {path}")
    return client


def close_qdrant_client() -> None:
    """Release the client (and the local-mode folder lock)."""
    global _client
    with _lock:
        if _client is not None:
            _client.close()
        _client = None
