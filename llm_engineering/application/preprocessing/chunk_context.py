"""A chunk's context: its document's title and the headings it sits under, as one short line.

A chunk cut from the middle of a section carries none of its article's title or section name; putting
"Title > Section > Subsection" in front of what is embedded and indexed lets questions about "the article
on X" find its passages. Headings are the cleaned text's markdown headings (the title is the first one).
"""

from __future__ import annotations

import re

from llm_engineering.application.preprocessing.chunking import IDS_ONLY, Tokenizer

_HEADING = re.compile(r"^(#{1,6})[^\S\n]+(.+?)[^\S\n]*#*[^\S\n]*$", re.MULTILINE)
PATH_SEPARATOR = " > "


def heading_path(text: str, position: int) -> str:
    """The title and the headings open at `position` (each deeper level under its parent), joined.

    A heading that starts exactly at `position` counts: a chunk opening a section belongs to it.
    """
    return heading_paths(text, [position])[0]


def heading_paths(text: str, positions: list[int]) -> list[str]:
    """heading_path at each of `positions` (in any order), reading the text's headings once."""
    paths: dict[int, str] = {}
    stack: list[tuple[int, str]] = []  # (level, heading), levels strictly increasing
    pending = sorted(set(positions))
    next_position = 0
    for match in _HEADING.finditer(text):
        while next_position < len(pending) and match.start() > pending[next_position]:
            paths[pending[next_position]] = PATH_SEPARATOR.join(heading for _, heading in stack)
            next_position += 1
        if next_position == len(pending):
            break
        level, heading = len(match.group(1)), _plain(match.group(2))
        if not heading:
            continue
        if not stack:  # the first heading is the document's title: it stays at the root
            stack.append((0, heading))
            continue
        if level == 1:  # after the title, "# ..." is a code comment or the title repeated, not a section
            continue
        while len(stack) > 1 and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, heading))
    path = PATH_SEPARATOR.join(heading for _, heading in stack)
    for position in pending[next_position:]:
        paths[position] = path
    return [paths[position] for position in positions]


def truncate_to_tokens(tokenizer: Tokenizer, text: str, budget: int) -> str:
    """`text` cut at a word boundary to at most `budget` model tokens (no special tokens); '' if none fit."""
    return fit_to_tokens(tokenizer, text, budget)[0]


def fit_to_tokens(tokenizer: Tokenizer, text: str, budget: int, encoding: dict | None = None) -> tuple[str, list[int]]:
    """truncate_to_tokens, with the kept text's token ids (no special tokens). `encoding`: the text's own, with
    offsets and no special tokens, when the caller tokenized it already (see tokenize_for_fit)."""
    if budget <= 0 or not text:
        return "", []
    if encoding is None:
        encoding = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, **IDS_ONLY)
    offsets = [(start, end) for start, end in encoding["offset_mapping"] if end > start]
    if len(offsets) <= budget:
        return text, list(encoding["input_ids"])
    cut = offsets[budget][0]  # the start of the first token that does not fit
    kept = text[:cut]
    if cut < len(text) and text[cut - 1].isalnum() and text[cut].isalnum():
        kept = kept.rsplit(" ", 1)[0] if " " in kept else ""  # never end in half a word
    kept = kept.rstrip(" >")
    ids = tokenizer(kept, add_special_tokens=False, **IDS_ONLY)["input_ids"] if kept else []
    return kept, list(ids)


def tokenize_for_fit(tokenizer: Tokenizer, texts: list[str]) -> dict[str, dict]:
    """The encodings fit_to_tokens needs, for distinct texts in one tokenizer call (a document's chunks share
    a few heading paths)."""
    distinct = sorted({text for text in texts if text})
    if not distinct:
        return {}
    batch = tokenizer(distinct, add_special_tokens=False, return_offsets_mapping=True, **IDS_ONLY)
    return {
        text: {"input_ids": ids, "offset_mapping": offsets}
        for text, ids, offsets in zip(distinct, batch["input_ids"], batch["offset_mapping"], strict=True)
    }


def _plain(heading: str) -> str:
    """Markdown emphasis, links and escapes removed from a heading."""
    heading = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    heading = re.sub(r"\\(.)", r"\1", heading)
    return " ".join(heading.replace("*", "").replace("_", " ").split())
