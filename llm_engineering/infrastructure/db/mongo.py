"""The one MongoDB client of a process, created lazily on first use.

`DATABASE_HOST` unset -> the embedded nx-27017 server is started (or reused) under MOODSWARM_HOME.
"""

from __future__ import annotations

import atexit
import threading

from loguru import logger
from pymongo import MongoClient
from pymongo.database import Database
from pymongo.errors import PyMongoError

from llm_engineering.domain.exceptions import DatabaseUnavailable
from llm_engineering.infrastructure.db.embedded_mongo import EmbeddedMongoServer
from llm_engineering.settings import get_settings, redact

_lock = threading.Lock()
_client: MongoClient | None = None


def embedded_server() -> EmbeddedMongoServer:
    settings = get_settings()
    return EmbeddedMongoServer(settings.mongo_data_dir, port=settings.EMBEDDED_MONGO_PORT)


def mongo_uri() -> str:
    settings = get_settings()
    return settings.DATABASE_HOST or embedded_server().ensure_running()


def get_client() -> MongoClient:
    global _client
    with _lock:
        if _client is None:
            _client = connect(mongo_uri(), get_settings().DATABASE_TIMEOUT_MS)
            atexit.unregister(close_connection)
            atexit.register(close_connection)  # closed explicitly, before the interpreter starts shutting down
        return _client


def connect(uri: str, timeout_ms: int) -> MongoClient:
    """A client that answered `ping`, or a clear error within `timeout_ms`."""
    client: MongoClient = MongoClient(
        uri,
        serverSelectionTimeoutMS=timeout_ms,
        connectTimeoutMS=timeout_ms,
        socketTimeoutMS=max(timeout_ms * 12, 60_000),
        uuidRepresentation="standard",
    )
    try:
        client.admin.command("ping")
    except PyMongoError as error:
        client.close()
        raise DatabaseUnavailable(
            f"Cannot reach MongoDB at {redact(uri)} within {timeout_ms / 1000:.0f}s ({type(error).__name__}). "
            "Is the server running? Unset DATABASE_HOST to use the embedded server."
        ) from None
    logger.debug(f"Connected to MongoDB at {redact(uri)}")
    return client


def get_database() -> Database:
    return get_client()[get_settings().DATABASE_NAME]


def close_connection() -> None:
    """Drop the process's client (tests switch databases between cases)."""
    global _client
    with _lock:
        if _client is not None:
            _client.close()
        _client = None
