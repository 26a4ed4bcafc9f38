"""Shared fixtures: every test runs against real stores, isolated from the user's MOODSWARM_HOME.

- `mongo_server`: one real nx-27017 server per session, in memory, on a free loopback port.
- `mongo_db`: a fresh database on it for one test (pymongo over a real socket).
- `qdrant_local`: the real embedded vector store (qdrant-edge) in a temp home for one test; yields its folder.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

# Before anything imports zenml or reads settings: this session's own home, never the checkout's.
_SESSION_HOME = Path(tempfile.mkdtemp(prefix="moodswarm-tests-"))
os.environ["MOODSWARM_HOME"] = str(_SESSION_HOME)
for _variable in ("DATABASE_HOST", "QDRANT_URL", "QDRANT_API_KEY", "LLM_BASE_URL", "RERANKING_MODEL"):
    os.environ.pop(_variable, None)

from llm_engineering.infrastructure.zenml_env import configure_zenml  # noqa: E402

configure_zenml()

from llm_engineering.infrastructure.bootstrap import bootstrap, close_vector_store  # noqa: E402
from llm_engineering.infrastructure.db.embedded_mongo import EmbeddedMongoServer  # noqa: E402
from llm_engineering.infrastructure.db.mongo import close_connection  # noqa: E402
from llm_engineering.settings import reset_settings  # noqa: E402

bootstrap()

SHARED_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "handbook_warehouse"


@pytest.fixture(scope="session")
def session_home() -> Path:
    return _SESSION_HOME


@pytest.fixture(scope="session")
def mongo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = EmbeddedMongoServer(tmp_path_factory.mktemp("nx27017"), in_memory=True)
    uri = server.ensure_running()
    yield uri
    server.stop()


@pytest.fixture
def mongo_db(mongo_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Point the ODM at a fresh database of the session's server; drop it afterwards."""
    from llm_engineering.domain.base.nosql import NoSQLBaseDocument
    from llm_engineering.infrastructure.db.mongo import get_client

    name = f"test_{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv("DATABASE_HOST", mongo_server)
    monkeypatch.setenv("DATABASE_NAME", name)
    reset_settings()
    close_connection()
    NoSQLBaseDocument._indexed.clear()
    yield name
    get_client().drop_database(name)
    close_connection()
    reset_settings()


@pytest.fixture
def qdrant_local(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The real embedded vector store in a home of this test's own (the name predates the embedded store)."""
    home = tmp_path / "home"
    monkeypatch.setenv("MOODSWARM_HOME", str(home))
    monkeypatch.delenv("QDRANT_URL", raising=False)
    reset_settings()
    close_vector_store()
    yield home / "vector_store"
    close_vector_store()
    reset_settings()


@pytest.fixture
def stores(mongo_db: str, qdrant_local: Path) -> Iterator[tuple[str, Path]]:
    """Both stores at once (mongo_db keeps DATABASE_HOST; qdrant_local moves MOODSWARM_HOME)."""
    reset_settings()
    yield mongo_db, qdrant_local


@pytest.fixture(scope="session")
def shared_corpus() -> Path:
    if not (SHARED_CORPUS / "ArticleDocument.json").exists():
        pytest.skip("../shared/corpus/handbook_warehouse is absent (a user's fresh clone has no ../shared)")
    return SHARED_CORPUS
