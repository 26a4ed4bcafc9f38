"""Close every store client of the process: tools and scripts call it before exiting, so no client is left
for the interpreter's shutdown to finalise (which printed "sys.meta_path is None" tracebacks)."""

from __future__ import annotations


def close_all() -> None:
    from llm_engineering.infrastructure.bootstrap import close_vector_store
    from llm_engineering.infrastructure.db.mongo import close_connection

    close_vector_store()
    close_connection()
