"""Follow one document the way the data flows: warehouse -> cleaned -> chunks -> stored points -> search rank."""

from llm_engineering.application.lineage.trace import DocumentLineage, DocumentNotFound, trace_document

__all__ = ["DocumentLineage", "DocumentNotFound", "trace_document"]
