"""Exact token-budget chunking: structure first, then sentences, then token windows.

The text is tokenized once with the model's own tokenizer (offset mapping), so the token count of any
character span is two bisections away. Spans are split at the coarsest separator that makes them fit,
small neighbours are merged back up to the budget, and only text with no usable separator is cut into
token windows (at word starts whenever one is near). Every chunk is then re-tokenized as the model will
see it, special tokens included, and split again in the rare case it is over: no chunk is ever truncated.
Chunks are slices of the text and together they cover every character of it.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Protocol

# Boundaries are the END of each match: the position where the next piece begins.
HEADING = r"\n+(?=#{1,6}\s)"
PARAGRAPH = r"\n[^\S\n]*\n\s*"
LINE = r"\n\s*"
SENTENCE = r"(?<=[.!?…;:])[\"'”’)\]]*\s+|[。！？]+[」』”’)]*\s*"
CLAUSE = r"(?<=[,，、])\s+"


class Tokenizer(Protocol):
    def __call__(self, text: str | list[str], **kwargs: object) -> dict: ...


# Only the ids (and offsets where asked) are read: the masks and type ids would be built for nothing.
IDS_ONLY = {"return_attention_mask": False, "return_token_type_ids": False, "verbose": False}


@dataclass(frozen=True)
class ChunkingConfig:
    max_tokens: int  # model tokens per chunk, special tokens included
    overlap_tokens: int  # tokens of the previous chunk repeated at the start of the next one
    separators: tuple[str, ...]  # regexes, coarsest first


@dataclass(frozen=True)
class TextSpan:
    start: int  # character offsets into the cleaned text, end exclusive
    end: int
    token_count: int  # with special tokens, as the model counts them
    overlap_start: int  # where the new (not overlapped) text of this chunk begins
    # The chunk's token ids as the model sees them (special tokens included), once verified: the encoder reuses them.
    token_ids: tuple[int, ...] = field(default=(), compare=False, repr=False)


class TokenBudgetChunker:
    def __init__(self, tokenizer: Tokenizer, config: ChunkingConfig, special_tokens: int = 2) -> None:
        if config.max_tokens <= special_tokens + config.overlap_tokens + 8:
            raise ValueError(f"max_tokens {config.max_tokens} leaves no room next to the overlap and special tokens")
        self.tokenizer = tokenizer
        self.config = config
        self.special_tokens = special_tokens
        self._separators = [re.compile(pattern, re.MULTILINE) for pattern in config.separators]

    def split(self, text: str) -> list[TextSpan]:
        if not text.strip():
            return []
        encoding = self.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, **IDS_ONLY)
        offsets = [(s, e) for s, e in encoding["offset_mapping"] if e > s]
        self._text = text
        self._starts = [s for s, _ in offsets]
        self._ends = [e for _, e in offsets]
        content_budget = self.config.max_tokens - self.special_tokens
        segments = self._split(0, len(text), 0, content_budget - self.config.overlap_tokens)
        spans = self._with_overlap(segments, content_budget)
        return self._verified(spans)

    # --- token arithmetic on the one tokenization --------------------------------------------------

    def _count(self, start: int, end: int) -> int:
        return bisect_left(self._starts, end) - bisect_left(self._starts, start)

    def _is_clean_cut(self, k: int) -> bool:
        """Cutting before token k re-tokenizes both sides identically (a word or punctuation boundary)."""
        if k <= 0 or k >= len(self._starts):
            return True
        if self._starts[k] > self._ends[k - 1]:
            return True
        left, right = self._text[self._ends[k - 1] - 1], self._text[self._starts[k]]
        return not (left.isalnum() and right.isalnum()) or _is_cjk(left) or _is_cjk(right)

    # --- splitting -----------------------------------------------------------------------------

    def _split(self, start: int, end: int, level: int, budget: int) -> list[tuple[int, int]]:
        if self._count(start, end) <= budget:
            return [(start, end)]
        if level >= len(self._separators):
            return self._token_windows(start, end, budget)
        cuts = [m.end() for m in self._separators[level].finditer(self._text, start, end) if start < m.end() < end]
        if not cuts:
            return self._split(start, end, level + 1, budget)
        bounds = [start, *cuts, end]
        pieces: list[tuple[int, int]] = []
        for a, b in zip(bounds, bounds[1:], strict=False):
            pieces.extend(self._split(a, b, level + 1, budget))
        return self._merge(pieces, budget)

    def _merge(self, pieces: list[tuple[int, int]], budget: int) -> list[tuple[int, int]]:
        merged: list[tuple[int, int]] = []
        for start, end in pieces:
            if merged and self._count(merged[-1][0], end) <= budget:
                merged[-1] = (merged[-1][0], end)
            else:
                merged.append((start, end))
        return merged

    def _token_windows(self, start: int, end: int, budget: int) -> list[tuple[int, int]]:
        first, last = bisect_left(self._starts, start), bisect_left(self._starts, end)
        bounds = [start]
        position = first
        while last - position > budget:
            cut = position + budget
            # Prefer a word start in the last half of the window: both sides then tokenize as before.
            for candidate in range(cut, position + budget // 2, -1):
                if self._is_clean_cut(candidate):
                    cut = candidate
                    break
            bounds.append(self._starts[cut])
            position = cut
        bounds.append(end)
        return list(zip(bounds, bounds[1:], strict=False))

    def _with_overlap(self, segments: list[tuple[int, int]], content_budget: int) -> list[TextSpan]:
        spans: list[TextSpan] = []
        overlap = self.config.overlap_tokens
        for index, (start, end) in enumerate(segments):
            chunk_start = start
            if overlap and index > 0:
                first = bisect_left(self._starts, start)
                previous_first = bisect_left(self._starts, segments[index - 1][0])
                k = max(first - overlap, previous_first + 1)
                while k < first and not self._is_clean_cut(k):
                    k += 1
                while k < first and self._count(self._starts[k], end) > content_budget:
                    k += 1
                if k < first:
                    chunk_start = self._starts[k]
            tokens = self._count(chunk_start, end) + self.special_tokens
            spans.append(TextSpan(chunk_start, end, tokens, start))
        return spans

    def _verified(self, spans: list[TextSpan]) -> list[TextSpan]:
        """Re-tokenize every chunk as the model will; split any chunk that came out over the limit."""
        limit = self.config.max_tokens
        while True:
            texts = [self._text[span.start : span.end] for span in spans]
            token_ids = self.tokenizer(texts, add_special_tokens=True, **IDS_ONLY)["input_ids"]
            counts = [len(ids) for ids in token_ids]
            if all(count <= limit for count in counts):
                return [
                    TextSpan(span.start, span.end, len(ids), span.overlap_start, tuple(ids))
                    for span, ids in zip(spans, token_ids, strict=True)
                ]
            fixed: list[TextSpan] = []
            for span, count in zip(spans, counts, strict=True):
                if count <= limit:
                    fixed.append(span)
                elif span.overlap_start > span.start:  # first give up the overlap
                    fixed.append(TextSpan(span.overlap_start, span.end, count, span.overlap_start))
                else:
                    budget = max(1, self._count(span.start, span.end) - (count - limit) - 1)
                    for a, b in self._token_windows(span.start, span.end, budget):
                        fixed.append(TextSpan(a, b, 0, a))
            spans = fixed


def _is_cjk(char: str) -> bool:
    return "CJK" in unicodedata.name(char, "") or "HIRAGANA" in unicodedata.name(char, "")
