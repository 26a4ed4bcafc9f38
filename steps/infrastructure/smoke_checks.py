"""Steps of the smoke test: each store and the model answers."""

from __future__ import annotations

import time
from typing import Annotated

from zenml import log_metadata, step

from llm_engineering.settings import get_settings


@step(enable_cache=False)
def check_mongodb() -> Annotated[dict, "mongodb_status"]:
    from llm_engineering.infrastructure.db.mongo import get_client, get_database

    started = time.perf_counter()
    get_client().admin.command("ping")
    database = get_database()
    status = {
        "database": database.name,
        "target": get_settings().describe()["DATABASE"],
        "collections": sorted(database.list_collection_names()),
        "ping_ms": round((time.perf_counter() - started) * 1000, 1),
    }
    log_metadata(metadata=status)
    return status


@step(enable_cache=False)
def check_qdrant() -> Annotated[dict, "qdrant_status"]:
    from llm_engineering.infrastructure.bootstrap import get_vector_store

    started = time.perf_counter()
    collections = get_vector_store().list_collections()
    status = {
        "target": get_settings().describe()["VECTOR_STORE"],
        "collections": collections,
        "latency_ms": round((time.perf_counter() - started) * 1000, 1),
    }
    log_metadata(metadata=status)
    return status


@step(enable_cache=False)
def check_embedding_model() -> Annotated[dict, "embedding_status"]:
    from llm_engineering.application.networks import get_embedding_model

    model = get_embedding_model()
    started = time.perf_counter()
    vector = model.embed(["MoodSwarm smoke test"])[0]
    if vector.shape != (model.embedding_size,):
        raise RuntimeError(f"Expected a {model.embedding_size}-dim embedding, got shape {vector.shape}")
    status = {
        "model_path": str(model.model_path),
        "dimension": int(vector.shape[0]),
        "max_input_tokens": model.max_input_length,
        "first_embedding_s": round(time.perf_counter() - started, 2),
    }
    log_metadata(metadata=status)
    return status


@step(enable_cache=False)
def check_feature_store() -> Annotated[dict, "feature_store_consistency"]:
    """The feature store matches the warehouse (what `python -m tools.doctor` reports); fails when it does not."""
    from llm_engineering.application.preprocessing.consistency import check_feature_store as consistency_report

    report = consistency_report().to_dict()
    log_metadata(metadata={"ok": report["ok"], "counts": report["counts"], "checked": report["checked"]})
    if not report["ok"]:
        found = ", ".join(f"{count} {kind}" for kind, count in report["counts"].items() if count)
        raise RuntimeError(f"The feature store does not match the warehouse ({found}): run `python -m tools.doctor`")
    return report
