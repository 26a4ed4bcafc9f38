"""The composition root: builds the vector store from settings and binds it, with the model's vector size, to the ODM.

`QDRANT_URL` set -> the server adapter (qdrant-client); unset -> the embedded adapter (qdrant-edge-py) under
MOODSWARM_HOME. `bootstrap()` only binds: the store opens (and takes its one-process lock) on first use.
Entry points call it once (tools/, steps/ and pipelines/ do so on import of their package).
"""

from __future__ import annotations

import atexit
import threading

from loguru import logger

from llm_engineering.domain.base.vector import bind_vector_store, forget_checked_collections
from llm_engineering.domain.base.vector_store import VectorStore
from llm_engineering.domain.exceptions import DatabaseUnavailable
from llm_engineering.settings import Settings, get_settings

_lock = threading.Lock()
_store: VectorStore | None = None


def bootstrap() -> None:
    """Bind the ODM to this process's vector store (built lazily) and the embedding model's vector size."""
    bind_vector_store(get_vector_store, _embedding_size)


def get_vector_store() -> VectorStore:
    """The process's one vector store, opened on first call."""
    global _store
    with _lock:
        if _store is None:
            _store = build_vector_store(get_settings())
            # Closed while the interpreter still works, not left to finalizers at shutdown (which printed
            # "sys.meta_path is None" tracebacks after scripts).
            atexit.unregister(close_vector_store)
            atexit.register(close_vector_store)
        return _store


def close_vector_store() -> None:
    """Flush and release the store (and the embedded store's lock) so another process may open it."""
    global _store
    with _lock:
        if _store is not None:
            _store.close()
        _store = None
    forget_checked_collections()


def build_vector_store(settings: Settings) -> VectorStore:
    if settings.QDRANT_URL:
        return _connect_server(settings)
    from llm_engineering.infrastructure.vector_store.edge import EdgeVectorStore
    from llm_engineering.infrastructure.vector_store.legacy import warn_about_local_mode_folder

    warn_about_local_mode_folder(settings)
    store = EdgeVectorStore(settings.vector_store_path)
    logger.debug(f"Opened the embedded vector store at {settings.vector_store_path}")
    return store


def _connect_server(settings: Settings) -> VectorStore:
    from qdrant_client import QdrantClient

    from llm_engineering.infrastructure.vector_store.server import ServerVectorStore

    client = QdrantClient(url=settings.QDRANT_URL, api_key=settings.QDRANT_API_KEY, timeout=30)
    try:
        client.get_collections()
    except Exception as error:  # qdrant-client raises transport-specific types
        raise DatabaseUnavailable(
            f"Cannot reach Qdrant at {settings.QDRANT_URL} ({type(error).__name__}: {error}). "
            "Is the server running? Unset QDRANT_URL to use the embedded store."
        ) from None
    logger.debug(f"Connected to Qdrant at {settings.QDRANT_URL}")
    return ServerVectorStore(client)


def _embedding_size() -> int:
    from llm_engineering.application.networks.embeddings import get_embedding_model

    return get_embedding_model().embedding_size
