"""Boilerplate: paragraphs one author repeats across many of their documents.

A course introduction, a newsletter's "Hello there, I am ..." opener or footer, a "thanks for reading" block:
the same paragraph in many articles of one author answers no question, yet its chunks outrank the article that
does. A paragraph (text between blank lines, at least MIN_WORDS words, not a heading) counts as boilerplate
when it stands in `min_documents` or more documents of one author. Documents sharing a title count once, so
the same article published twice (Medium and Substack) is not boilerplate of itself.

Detection needs every document of the author, so it runs over the whole cleaned set (BoilerplateDetector:
one pass to count, then `spans` per document). A chunk whose own text is mostly (CHUNK_SHARE) boilerplate is
flagged `metadata["boilerplate"] = True`; its content stays an exact slice of the document, and retrieval
decides what to do with the flag (RetrievalOptions.skip_boilerplate_chunks). With BOILERPLATE_OUT_OF_INDEX, the
boilerplate inside a chunk is also left out of what is embedded and BM25-indexed (its chunk-relative spans go to
`metadata["index_omit"]`), unless too little text would be left (then the chunk is indexed whole).

Incremental: the rule's name enters the chunking fingerprint (another threshold re-embeds everything once),
and a document's boilerplate spans enter its content hash, so a paragraph that becomes boilerplate when a
new document arrives re-chunks exactly the documents that hold it.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable

from llm_engineering.application.preprocessing.cleaning_data_handlers import content_hash
from llm_engineering.domain.cleaned_documents import CleanedDocument
from llm_engineering.domain.types import DataCategory

RULE_VERSION = "boilerplate-v1"
# Prose categories only: repositories repeat license headers, and those are already file headers.
BOILERPLATE_CATEGORIES = frozenset({DataCategory.ARTICLES, DataCategory.POSTS})
MIN_WORDS = 4  # shorter paragraphs ("Thanks!", "---") are too common to mean anything
CHUNK_SHARE = 0.5  # share of a chunk's new (not overlapped) text inside boilerplate paragraphs to flag it
OUT_OF_INDEX_VERSION = "omit-v1"  # bump when what is left out of a chunk's index text changes

Span = tuple[int, int]
_PARAGRAPH = re.compile(r"\S(?:.|\n(?![^\S\n]*\n))*", re.UNICODE)  # up to the next blank line
_HEADING = re.compile(r"#{1,6}\s")


def boilerplate_recipe(category: DataCategory, min_documents: int, out_of_index: bool = False) -> str:
    """The rule's part of the chunking fingerprint ('' when it does not apply)."""
    if category not in BOILERPLATE_CATEGORIES or min_documents <= 0:
        return ""
    recipe = f"{RULE_VERSION}:{min_documents}:{MIN_WORDS}:{CHUNK_SHARE}"
    return f"{recipe}:{OUT_OF_INDEX_VERSION}" if out_of_index else recipe


def paragraph_spans(text: str) -> list[Span]:
    """(start, end) of each paragraph: text between blank lines, surrounding whitespace excluded."""
    return [(match.start(), match.start() + len(match.group().rstrip())) for match in _PARAGRAPH.finditer(text)]


def paragraph_key(paragraph: str) -> bytes | None:
    """Its words, case-folded, as a short digest; None for a heading or a paragraph too short to count."""
    if _HEADING.match(paragraph):
        return None
    words = re.findall(r"\w+", paragraph.casefold())
    if len(words) < MIN_WORDS:
        return None
    return hashlib.blake2b(" ".join(words).encode(), digest_size=12).digest()


def _title_key(document: CleanedDocument) -> bytes:
    """Documents with the same first heading are one article published twice; no heading: the document alone."""
    first = next(iter(paragraph_spans(document.content or "")), None)
    text = (document.content or "")[first[0] : first[1]] if first else ""
    if _HEADING.match(text):
        return hashlib.blake2b(" ".join(re.findall(r"\w+", text.casefold())).encode(), digest_size=12).digest()
    return str(document.id).encode()


class BoilerplateDetector:
    """Counts, per author, the distinct documents (by title) each paragraph stands in."""

    def __init__(self, min_documents: int) -> None:
        self.min_documents = min_documents
        # (author id, paragraph key) -> the title keys it was seen under (a set only once there are two).
        self._seen: dict[tuple[str, bytes], bytes | set[bytes]] = {}

    def applies_to(self, document: CleanedDocument) -> bool:
        return self.min_documents > 0 and document.get_category() in BOILERPLATE_CATEGORIES

    def add(self, document: CleanedDocument) -> None:
        if not self.applies_to(document):
            return
        author, title = str(document.author_id), _title_key(document)
        text = document.content or ""
        for key in {paragraph_key(text[start:end]) for start, end in paragraph_spans(text)} - {None}:
            seen = self._seen.get((author, key))
            if seen is None:
                self._seen[(author, key)] = title
            elif isinstance(seen, bytes):
                if seen != title:
                    self._seen[(author, key)] = {seen, title}
            else:
                seen.add(title)

    def repeated(self) -> dict[str, set[bytes]]:
        """Author id -> the keys of their boilerplate paragraphs."""
        found: dict[str, set[bytes]] = defaultdict(set)
        for (author, key), titles in self._seen.items():
            if isinstance(titles, set) and len(titles) >= self.min_documents:
                found[author].add(key)
        return dict(found)

    def spans(self, document: CleanedDocument, repeated: dict[str, set[bytes]]) -> list[Span]:
        """The document's boilerplate paragraphs, in order."""
        keys = repeated.get(str(document.author_id))
        if not keys or not self.applies_to(document):
            return []
        text = document.content or ""
        return [(start, end) for start, end in paragraph_spans(text) if paragraph_key(text[start:end]) in keys]


def find_boilerplate(documents: Iterable[CleanedDocument], min_documents: int) -> dict[str, list[Span]]:
    """Document id -> its boilerplate spans, for documents that have any (the whole set in memory)."""
    documents = list(documents)
    detector = BoilerplateDetector(min_documents)
    for document in documents:
        detector.add(document)
    repeated = detector.repeated()
    found = {str(document.id): detector.spans(document, repeated) for document in documents}
    return {document_id: spans for document_id, spans in found.items() if spans}


def with_boilerplate(document: CleanedDocument, spans: list[Span]) -> CleanedDocument:
    """The document carrying its boilerplate spans, its content hash covering them (none: hash unchanged)."""
    if not spans and not document.boilerplate_spans:
        return document
    marker = ";".join(f"{start}-{end}" for start, end in spans)
    fingerprint = f"{document.fingerprint}|{marker}" if spans else document.fingerprint
    return document.model_copy(
        update={"boilerplate_spans": spans, "content_hash": content_hash(document.content or "", fingerprint)}
    )


def boilerplate_share(spans: list[Span], start: int, end: int) -> float:
    """Share of the characters [start, end) that lie inside boilerplate spans."""
    if end <= start:
        return 0.0
    covered = sum(max(0, min(end, b) - max(start, a)) for a, b in spans)
    return covered / (end - start)


def spans_within(spans: list[Span], start: int, end: int) -> list[Span]:
    """The parts of `spans` inside [start, end), relative to `start`."""
    clipped = [(max(a, start) - start, min(b, end) - start) for a, b in spans]
    return [(a, b) for a, b in clipped if b > a]


def without_spans(text: str, spans: list[Span]) -> str:
    """`text` with the spans cut out; a cut leaves a blank line, so the paragraphs around it stay apart."""
    kept, position = [], 0
    for start, end in sorted(spans):
        kept.append(text[position:start])
        position = max(position, end)
    kept.append(text[position:])
    return "\n\n".join(part.strip() for part in kept if part.strip())


def index_omissions(spans: list[Span], text: str, start: int, end: int) -> list[Span]:
    """The boilerplate to leave out of the index text of the chunk text[start:end] (chunk-relative spans).

    None when too little would be left: a chunk that is all boilerplate is indexed whole (it stays flagged).
    """
    inside = spans_within(spans, start, end)
    if not inside:
        return []
    left = without_spans(text[start:end], inside)
    return inside if len(re.findall(r"\w+", left)) >= MIN_WORDS else []
