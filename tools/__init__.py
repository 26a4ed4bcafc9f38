# Composition root of every entry point in this package: bind the vector store (built lazily, nothing opens here).
from llm_engineering.infrastructure.bootstrap import bootstrap

bootstrap()
