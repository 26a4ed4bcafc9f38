"""BM25-style sparse vectors for lexical search, stored in Qdrant next to the dense ones.

Documents get BM25's saturated term frequency (k1, b, length-normalised); Qdrant's IDF modifier on the
`bm25` sparse vector multiplies in the inverse document frequency at query time, so together they score
like BM25. Queries get weight 1 per distinct term. Terms are NFKC-normalised, case-folded words (English
stopwords dropped), hashed with CRC32 so indices are stable across processes and machines.

The tokenisation recipe (Bm25Recipe, from settings) may add two things, the same for documents and queries:
- stemming: English Snowball stems ("embeddings" and "embedding" are one term);
- code identifiers: `camelCase`, `snake_case`, `dotted.names` and `gpt4` give their parts as terms too, next
  to the whole identifier ("load_model" matches "load the model", and "load_model" still matches exactly).
Its name enters the chunking fingerprint: another recipe re-embeds on the next feature run.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

from llm_engineering.domain.base.vector import SparseEmbedding
from llm_engineering.settings import get_settings

K1 = 1.2
B = 0.75
# Chunks are capped at 256 model tokens; this is the typical length in words of a full chunk.
AVERAGE_DOCUMENT_TERMS = 120.0

_WORD = re.compile(r"[^\W_][\w+#.]*[\w+#]|[^\W_]", re.UNICODE)
# Where an identifier splits: separators, lower->Upper, ACRONYMWord, letter<->digit.
_IDENTIFIER_PARTS = re.compile(
    r"[._]+|(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])|(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])"
)
_STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having
    he her here hers herself him himself his how i if in into is it its itself just me more most my myself no
    nor not now of off on once only or other our ours ourselves out over own same she should so some such than
    that the their theirs them themselves then there these they this those through to too under until up very
    was we were what when where which while who whom why will with would you your yours yourself yourselves""".split()
)


@dataclass(frozen=True)
class Bm25Recipe:
    """How text becomes terms. v1 (neither option) is the original whole-word tokenisation."""

    stem: bool = False
    split_identifiers: bool = False

    @property
    def name(self) -> str:
        options = [name for name, on in (("stem", self.stem), ("ident", self.split_identifiers)) if on]
        return f"bm25-v2:{'+'.join(options)}" if options else "bm25-v1"


def current_recipe() -> Bm25Recipe:
    settings = get_settings()
    return Bm25Recipe(stem=settings.BM25_STEMMING, split_identifiers=settings.BM25_SPLIT_IDENTIFIERS)


@lru_cache(maxsize=1)
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    """English stem of a plain word; identifiers, numbers and symbols stay as they are."""
    return _stemmer().stemWord(word) if word.isalpha() else word


def _parts(word: str) -> list[str]:
    """The pieces of an identifier (case kept for the camelCase split); [] when it has one piece."""
    pieces = [piece for piece in _IDENTIFIER_PARTS.split(word) if piece]
    return pieces if len(pieces) > 1 else []


def terms(text: str, recipe: Bm25Recipe | None = None) -> list[str]:
    """The lexical terms of `text`, in order (stopwords removed); `recipe` defaults to the settings'."""
    recipe = recipe or current_recipe()
    normalised = unicodedata.normalize("NFKC", text)
    if not (recipe.stem or recipe.split_identifiers):
        normalised = normalised.casefold()
        return [word.rstrip(".") for word in _WORD.findall(normalised) if word not in _STOPWORDS]
    found: list[str] = []
    for word in _WORD.findall(normalised):
        found.extend(_word_terms(word, recipe.stem, recipe.split_identifiers))
    return found


@lru_cache(maxsize=200_000)
def _word_terms(word: str, stem: bool, split_identifiers: bool) -> tuple[str, ...]:
    """One word's terms (memoised: a corpus repeats its words, and stemming is slow pure Python)."""
    word = word.rstrip(".")
    whole = word.casefold()
    if whole in _STOPWORDS:
        return ()
    found = [_stem(whole) if stem else whole]
    if split_identifiers:
        for part in _parts(word):
            part = part.casefold()
            if part not in _STOPWORDS:
                found.append(_stem(part) if stem else part)
    return tuple(found)


def term_index(term: str) -> int:
    return zlib.crc32(term.encode("utf-8")) & 0x7FFFFFFF


def _to_sparse(weights: dict[int, float]) -> SparseEmbedding:
    indices = sorted(weights)
    return SparseEmbedding(indices=indices, values=[weights[i] for i in indices])


def bm25_document_vector(text: str, recipe: Bm25Recipe | None = None) -> SparseEmbedding:
    """Saturated, length-normalised term frequencies of a document (IDF is applied by Qdrant)."""
    words = terms(text, recipe)
    if not words:
        return SparseEmbedding()
    length_norm = 1 - B + B * len(words) / AVERAGE_DOCUMENT_TERMS
    weights: dict[int, float] = {}
    for term, count in Counter(words).items():
        index = term_index(term)
        # Two terms hashing to one index (rare) add up rather than overwrite.
        weights[index] = weights.get(index, 0.0) + count * (K1 + 1) / (count + K1 * length_norm)
    return _to_sparse(weights)


def bm25_query_vector(text: str, recipe: Bm25Recipe | None = None) -> SparseEmbedding:
    """Weight 1 per distinct query term."""
    return _to_sparse({term_index(term): 1.0 for term in set(terms(text, recipe))})
