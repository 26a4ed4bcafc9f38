# Composition root of every entry point in this package: bind the vector store (built lazily, nothing opens here)
# and log the same way everywhere (INFO by default, plain text when piped; see logging_setup).
from llm_engineering.infrastructure.bootstrap import bootstrap
from llm_engineering.infrastructure.logging_setup import configure_logging

bootstrap()
configure_logging()
