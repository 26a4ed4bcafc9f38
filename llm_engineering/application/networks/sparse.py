"""BM25-style sparse vectors for lexical search, stored in Qdrant next to the dense ones.

Documents get BM25's saturated term frequency (k1, b, length-normalised); Qdrant's IDF modifier on the
`bm25` sparse vector multiplies in the inverse document frequency at query time, so together they score
like BM25. Queries get weight 1 per distinct term. Terms are NFKC-normalised, case-folded words (code
identifiers kept whole, English stopwords dropped), hashed with CRC32 so indices are stable across
processes and machines.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections import Counter

from llm_engineering.domain.base.vector import SparseEmbedding

K1 = 1.2
B = 0.75
# Chunks are capped at 256 model tokens; this is the typical length in words of a full chunk.
AVERAGE_DOCUMENT_TERMS = 120.0

_WORD = re.compile(r"[^\W_][\w+#.]*[\w+#]|[^\W_]", re.UNICODE)
_STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having
    he her here hers herself him himself his how i if in into is it its itself just me more most my myself no
    nor not now of off on once only or other our ours ourselves out over own same she should so some such than
    that the their theirs them themselves then there these they this those through to too under until up very
    was we were what when where which while who whom why will with would you your yours yourself yourselves""".split()
)


def terms(text: str) -> list[str]:
    """The lexical terms of `text`, in order (stopwords removed)."""
    normalised = unicodedata.normalize("NFKC", text).casefold()
    return [word.rstrip(".") for word in _WORD.findall(normalised) if word not in _STOPWORDS]


def term_index(term: str) -> int:
    return zlib.crc32(term.encode("utf-8")) & 0x7FFFFFFF


def _to_sparse(weights: dict[int, float]) -> SparseEmbedding:
    indices = sorted(weights)
    return SparseEmbedding(indices=indices, values=[weights[i] for i in indices])


def bm25_document_vector(text: str) -> SparseEmbedding:
    """Saturated, length-normalised term frequencies of a document (IDF is applied by Qdrant)."""
    words = terms(text)
    if not words:
        return SparseEmbedding()
    length_norm = 1 - B + B * len(words) / AVERAGE_DOCUMENT_TERMS
    weights: dict[int, float] = {}
    for term, count in Counter(words).items():
        index = term_index(term)
        # Two terms hashing to one index (rare) add up rather than overwrite.
        weights[index] = weights.get(index, 0.0) + count * (K1 + 1) / (count + K1 * length_norm)
    return _to_sparse(weights)


def bm25_query_vector(text: str) -> SparseEmbedding:
    """Weight 1 per distinct query term."""
    return _to_sparse({term_index(term): 1.0 for term in set(terms(text))})
