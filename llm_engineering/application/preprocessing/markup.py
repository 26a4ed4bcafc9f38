"""Markup noise removal for prose (articles, posts, READMEs): keep the words, drop the scaffolding.

Works line by line so code inside an article (fenced or indented blocks) and inline `code` spans are
never touched: only prose lines lose link syntax, bare URLs, emphasis markers and empty list bullets.
Blocks repeated within one document (share bars, navigation menus printed twice) keep their first copy. A heading
only repeats an earlier heading (of any level): a newsletter's "This week's topics" list names its sections, and
the sections' own headings must stay (chunks take their heading path from them).
"""

from __future__ import annotations

import re

from llm_engineering.application.preprocessing.text_normalization import collapse_prose_whitespace

_FENCE = re.compile(r"^\s*(```|~~~)")
_INDENTED = re.compile(r"^( {4,}|\t)\S")
_LIST_ITEM = re.compile(r"^\s*(?:[*+-]|\d+[.)])\s")
_INLINE_CODE = re.compile(r"(`+)(.+?)\1")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)|!\[[^\]]*\]\[[^\]]*\]")
_LINK = re.compile(r"\[([^\]]*)\]\((?:[^()]|\([^)]*\))*\)|\[([^\]]+)\]\[[^\]]*\]")
_LINK_DEFINITION = re.compile(r"^\s*\[[^\]]+\]:\s*\S+.*$")
_URL = re.compile(r"<?(?:https?://|ftp://|www\.)[^\s<>()\[\]]+>?", re.IGNORECASE)
_HTML_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")
_EMPHASIS = re.compile(r"\*\*+|(?<!\w)__+|__+(?!\w)|(?<![\w*])_(?=\S)|(?<=[^\s_])_(?![\w*])")
_BLOCK_KEY_PREFIX = re.compile(r"^[#>*+\-\s]+", re.MULTILINE)
_HEADING_BLOCK = re.compile(r"^#{1,6}\s+\S")
_SHORT_LIST_ITEM = re.compile(r"^\s*(?:[*+-]|\d+[.)])\s+.{1,60}(?<![.!?:;,])$")
# A menu entry is nothing but a link: `* [Home](/)`. A README's feature list is words, and stays.
_LINK_ONLY_ITEM = re.compile(r"^\s*(?:[*+-]|\d+[.)])?\s*(?:\[[^\]]*\]\([^)]*\)\s*[|·•]?\s*)+$")
# So many tiny link-only list items in a row is a site menu or a table of contents, not content.
MENU_MIN_ITEMS = 10
# Identifiers keep their underscores (`__init__`, `_private`, `snake_case_names`, `name__`); emphasis is only
# stripped around them. `_word_` (both sides, single) stays italics.
_IDENTIFIER = re.compile(r"(?<!\w)(?:__[A-Za-z0-9]\w*?__|_{1,2}[A-Za-z0-9](?:\w*[A-Za-z0-9])?|[A-Za-z0-9]\w*)(?!\w)")
_EMPTY_BULLET = re.compile(r"^(\s*(?:[*+-]|\d+[.)]))\s*$")
_HAS_WORD = re.compile(r"[^\W_]")

# Share bars and sign-in prompts of blogging platforms: no meaning when a whole block is just this.
UI_LABELS = frozenset(
    """share this post|copy link|facebook|email|note|other|share|subscribe|sign in|subscribesign in|
    like|comment|restack|listen|follow|upgrade to paid|read more|tweet|linkedin|twitter|reddit|
    table of contents|back to top|previous|next""".replace("\n", "")
    .replace("    ", "")
    .split("|")
)


def clean_prose_line(line: str) -> str:
    """Link and image syntax -> link text, URLs and HTML tags dropped; inline code kept verbatim."""
    pieces: list[str] = []
    last = 0
    for match in _INLINE_CODE.finditer(line):
        pieces.append(_clean_prose_fragment(line[last : match.start()]))
        pieces.append(match.group(2))  # the code itself, without backticks
        last = match.end()
    pieces.append(_clean_prose_fragment(line[last:]))
    return "".join(pieces)


def _clean_prose_fragment(text: str) -> str:
    text = _IMAGE.sub(" ", text)
    text = _LINK.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(2), text)
    text = _URL.sub(" ", text)
    text = _HTML_TAG.sub(" ", text)
    pieces: list[str] = []
    last = 0
    for match in _IDENTIFIER.finditer(text):
        if "_" not in match.group(0):
            continue
        pieces.append(_EMPHASIS.sub("", text[last : match.start()]))
        pieces.append(match.group(0))
        last = match.end()
    pieces.append(_EMPHASIS.sub("", text[last:]))
    return "".join(pieces)


def clean_markdown(text: str) -> str:
    """Markdown-ish text (already NFKC-normalised) -> clean prose with code blocks intact."""
    blocks = _split_blocks(text)
    seen: set[str] = set()
    kept: list[tuple[str, bool, bool]] = []
    for block, is_code in blocks:
        if is_code:
            kept.append((block, True, False))
            continue
        links_only = all(_LINK_ONLY_ITEM.match(line) for line in block.split("\n") if line.strip())
        lines = [_clean_block_line(line) for line in block.split("\n")]
        lines = [line for line in lines if line is not None]
        cleaned = collapse_prose_whitespace("\n".join(lines))
        if not cleaned:
            continue
        key = _block_key(cleaned)
        if key.strip("#* ") in UI_LABELS or key in seen:
            continue  # platform chrome, or a block already kept once (menus, share bars printed twice)
        seen.add(key)
        kept.append((cleaned, False, links_only))
    return "\n\n".join(block for block, _ in _drop_menus(kept)).strip()


def _block_key(block: str) -> str:
    """What makes two blocks the same: their words, whatever the list or quote markers; headings apart."""
    words = " ".join(_BLOCK_KEY_PREFIX.sub("", block.casefold()).split())
    return f"# {words}" if _HEADING_BLOCK.match(block) and "\n" not in block else words


def _clean_block_line(line: str) -> str | None:
    if _LINK_DEFINITION.match(line):
        return None
    cleaned = clean_prose_line(line).strip()
    if _EMPTY_BULLET.match(cleaned) or not _HAS_WORD.search(cleaned):
        return None  # bullets left empty once their icon/link went, emoji-only lines, "* * *" rules
    return cleaned.strip()


def _drop_menus(blocks: list[tuple[str, bool, bool]]) -> list[tuple[str, bool]]:
    """Remove runs of blocks made only of short link-only list items when the run is long enough to be a menu."""
    kept: list[tuple[str, bool]] = []
    run: list[tuple[str, bool]] = []
    items = 0

    def close_run() -> None:
        nonlocal run, items
        if items < MENU_MIN_ITEMS:
            kept.extend(run)
        run, items = [], 0

    for block, is_code, links_only in blocks:
        lines = block.split("\n")
        is_short_list = (
            links_only
            and not is_code
            and all(_SHORT_LIST_ITEM.match(line) and len(line.split()) <= 7 for line in lines)
        )
        if is_short_list and len(lines) == 1:  # menus printed one item per paragraph
            run.append((block, is_code))
            items += 1
            continue
        close_run()
        if not (is_short_list and len(lines) >= MENU_MIN_ITEMS):  # a whole menu in one block
            kept.append((block, is_code))
    close_run()
    return kept


def _split_blocks(text: str) -> list[tuple[str, bool]]:
    """Blank-line separated blocks, each flagged as code (fenced, or indented but not a list) or prose."""
    blocks: list[tuple[str, bool]] = []
    current: list[str] = []
    current_is_code = False
    in_fence = False

    def flush() -> None:
        nonlocal current
        if current:
            blocks.append(("\n".join(current).strip("\n"), current_is_code))
        current = []

    for line in text.split("\n"):
        if _FENCE.match(line):
            if not in_fence:
                flush()
                current_is_code, in_fence = True, True
                continue  # the fence markers themselves are syntax
            in_fence = False
            flush()
            current_is_code = False
            continue
        if in_fence:
            current.append(line)
            continue
        if not line.strip():
            if current_is_code:
                current.append(line)  # blank lines inside an indented code block belong to it
                continue
            flush()
            continue
        line_is_code = bool(_INDENTED.match(line)) and not _LIST_ITEM.match(line)
        if current and line_is_code != current_is_code:
            flush()
        current_is_code = line_is_code
        current.append(line)
    flush()
    return [(_dedent(block), True) if is_code else (block, False) for block, is_code in blocks if block.strip()]


def _dedent(block: str) -> str:
    lines = block.rstrip().split("\n")
    indents = [len(line) - len(line.lstrip(" ")) for line in lines if line.strip()]
    cut = min(indents, default=0)
    return "\n".join(line[cut:].rstrip() for line in lines)
