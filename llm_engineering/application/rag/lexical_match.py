"""Whether a hit holds every term of the question: an exact lexical match counts as a close passage.

The "no close passage" rule judges closeness by dense cosine, and MiniLM knows nothing of a rare name or an
identifier ("WizardArena", "zx81_checksum"): such a one-word question scores a low cosine against the very
passage that contains it. A passage whose stored BM25 vector holds every term of the question is an answer
whatever its cosine.
"""

from __future__ import annotations

from collections.abc import Sequence

from llm_engineering.domain.base.vector import SparseEmbedding
from llm_engineering.domain.embedded_chunks import EmbeddedChunk


def holds_every_term(hits: Sequence[EmbeddedChunk], question: SparseEmbedding) -> bool:
    """True when one of `hits` contains every term of the question (its stored sparse vector, read by id)."""
    wanted = set(question.indices)
    if not wanted or not hits:
        return False
    for chunk_class, same_class in EmbeddedChunk.group_by_class(hits).items():
        for stored in chunk_class.retrieve((hit.id for hit in same_class), with_vectors=True):
            if stored.sparse_embedding is not None and wanted.issubset(stored.sparse_embedding.indices):
                return True
    return False
