"""The retrieval HTTP service (FastAPI): `POST /search`, `GET /health`, OpenAPI at `/openapi.json` and `/docs`.

The process holds the vector store (the embedded one allows a single process) and the embedding model,
both opened on first use. Searches are serialised by a lock: one CPU-bound search at a time is what the
hardware can do.

A store that fails mid-request is reconnected once (the embedded MongoDB may have restarted on another
port); a store still down answers 503 with a message naming it, never a bare 500.
"""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pymongo.errors import PyMongoError

from llm_engineering.application.rag import MAX_K, ContextRetriever, InvalidQuery, SearchMode, UnknownAuthor
from llm_engineering.application.rag.hits import hits_to_dicts
from llm_engineering.application.rag.retriever import MAX_CHUNKS_PER_DOCUMENT
from llm_engineering.domain.embedded_chunks import EMBEDDED_CHUNK_CLASSES
from llm_engineering.domain.exceptions import DatabaseUnavailable, LLMTwinException

T = TypeVar("T")

MAX_QUERY_CHARS = 2000
# Failures of a store rather than of the request: answered with 503.
STORE_ERRORS: tuple[type[BaseException], ...] = (LLMTwinException, PyMongoError, ConnectionError, TimeoutError)


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str = Field(description="The question or keywords.", max_length=MAX_QUERY_CHARS)
    k: int = Field(5, ge=1, le=MAX_K, description="Number of hits returned.")
    author: str | None = Field(None, description="Only this known author's chunks (full or last name).")
    mode: SearchMode = Field("hybrid", description="dense (MiniLM only) or hybrid (MiniLM + BM25, RRF).")
    max_chunks_per_document: int | None = Field(
        None, ge=1, le=MAX_CHUNKS_PER_DOCUMENT, description="Cap on hits from one document."
    )
    expand: int | None = Field(None, ge=0, le=10, description="LLM rewrites; default 2 when an LLM is configured.")
    rerank: bool | None = Field(None, description="Cross-encoder reranking; default on when configured.")
    min_score: float | None = Field(None, ge=-1.0, le=1.0, description="Drop hits whose dense cosine is below it.")

    @field_validator("query")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("query must not be empty or blank")
        return value.strip()


class Hit(BaseModel):
    rank: int
    score: float | None = Field(description="The ranking score: fused (hybrid) or cosine (dense).")
    dense_score: float | None = Field(description="Cosine similarity between the question and the chunk.")
    lexical_score: float | None = Field(description="BM25 score (0: no query term; null in dense mode).")
    collection: str
    chunk_id: str
    document_id: str
    link: str | None
    author_full_name: str
    content: str


class AuthorFilter(BaseModel):
    id: str
    full_name: str
    source: str | None


class SearchResponse(BaseModel):
    query: str
    mode: SearchMode
    author: AuthorFilter | None
    author_reason: str = Field(description="Why this author filter (or none) applies.")
    queries: list[str]
    reranked: bool
    took_ms: float
    hits: list[Hit]
    message: str | None = Field(None, description="Why there are no hits (empty store, author, no close passage).")


def create_app(retriever: ContextRetriever | None = None) -> FastAPI:
    from llm_engineering.infrastructure.bootstrap import bootstrap

    bootstrap()
    """The app; the retriever (and with it the stores and the model) is created on first search."""
    state: dict[str, Any] = {"retriever": retriever}
    lock = threading.Lock()

    def get_retriever() -> ContextRetriever:
        if state["retriever"] is None:
            state["retriever"] = ContextRetriever()
        return state["retriever"]

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        from llm_engineering.infrastructure.bootstrap import close_vector_store
        from llm_engineering.infrastructure.db.mongo import close_connection

        close_vector_store()  # releases the embedded store's lock for the next process
        close_connection()

    # /docs and /redoc from assets installed with fastapi-offline: FastAPI's default pages load them from a CDN.
    app = FastAPIOffline(title="MoodSwarm retrieval", version="0.1.0", lifespan=lifespan)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        problems = [_describe(problem) for problem in error.errors()]
        return JSONResponse(
            status_code=422, content={"message": "; ".join(problems), "detail": _jsonable(error.errors())}
        )

    @app.get("/health")
    def health() -> Any:
        with lock:
            checks = {"mongodb": _check(_mongodb_status), "vector_store": _check(_vector_store_status)}
        healthy = all(check["status"] == "ok" for check in checks.values())
        body = {"status": "ok" if healthy else "unavailable", **checks}
        if healthy:
            body["collections"] = checks["vector_store"]["collections"]
        return body if healthy else JSONResponse(status_code=503, content=body)

    @app.post("/search", response_model=SearchResponse)
    def search(request: SearchRequest) -> Any:
        started = time.perf_counter()
        with lock:
            try:
                result = _with_reconnect(
                    lambda: get_retriever().retrieve(
                        request.query,
                        k=request.k,
                        mode=request.mode,
                        author=request.author,
                        max_chunks_per_document=request.max_chunks_per_document,
                        expand=request.expand,
                        rerank=request.rerank,
                        min_score=request.min_score,
                    )
                )
            except (InvalidQuery, UnknownAuthor) as failure:
                return JSONResponse(status_code=422, content={"message": str(failure)})
            except STORE_ERRORS as failure:
                return JSONResponse(status_code=503, content={"message": _unavailable(failure)})
        author = result.author
        return {
            "query": result.query,
            "mode": result.mode,
            "author": {"id": author.id, "full_name": author.full_name, "source": result.author_source}
            if author
            else None,
            "author_reason": result.author_reason,
            "queries": result.queries,
            "reranked": result.reranked,
            "took_ms": round((time.perf_counter() - started) * 1000, 2),
            "hits": hits_to_dicts(result.hits),
            "message": result.message,
        }

    return app


def _with_reconnect(call: Callable[[], T]) -> T:
    """Run `call`; after a MongoDB failure, drop the client and try once more: the embedded server may have
    restarted on another port, and a fresh client finds it (or starts it) through MOODSWARM_HOME."""
    try:
        return call()
    except (PyMongoError, DatabaseUnavailable):
        from llm_engineering.infrastructure.db.mongo import close_connection

        close_connection()
        return call()


def _mongodb_status() -> dict[str, Any]:
    from llm_engineering.infrastructure.db.mongo import get_client

    started = time.perf_counter()
    _with_reconnect(lambda: get_client().admin.command("ping"))
    return {"latency_ms": round((time.perf_counter() - started) * 1000, 1)}


def _vector_store_status() -> dict[str, Any]:
    started = time.perf_counter()
    counts = {cls.get_collection_name(): cls.count() for cls in EMBEDDED_CHUNK_CLASSES if cls.collection_exists()}
    return {"collections": counts, "latency_ms": round((time.perf_counter() - started) * 1000, 1)}


def _check(probe: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    try:
        return {"status": "ok", **probe()}
    except STORE_ERRORS as failure:
        return {"status": "unavailable", "message": _unavailable(failure)}


def _unavailable(failure: BaseException) -> str:
    if isinstance(failure, PyMongoError):
        return f"MongoDB is unavailable ({type(failure).__name__}); check the server or DATABASE_HOST and retry."
    return str(failure)


def _describe(problem: dict[str, Any]) -> str:
    if problem.get("type") == "json_invalid":  # loc is ("body", character offset): say what is wrong and where
        reason = (problem.get("ctx") or {}).get("error", "not valid JSON")
        offset = problem.get("loc", ("body", "?"))[-1]
        return f"the request body is not valid JSON ({reason} at character {offset})"
    where = ".".join(str(part) for part in problem.get("loc", ()) if part != "body") or "body"
    message = str(problem.get("msg", "invalid"))
    return f"{where}: {message.removeprefix('Value error, ')}"


def _jsonable(errors: Any) -> Any:
    """Validation errors may carry exception objects in `ctx`; keep them printable."""
    return [{key: (str(value) if key == "ctx" else value) for key, value in error.items()} for error in errors]
