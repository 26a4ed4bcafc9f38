"""Unicode normalisation shared by every cleaning handler.

The embedding model's WordPiece vocabulary knows plain letters, digits and punctuation. Newsletter text
often uses "styled" mathematical letters (𝗯𝗼𝗹𝗱, 𝘪𝘵𝘢𝘭𝘪𝘤) and emoji glued to words ("💪power"): the first
become plain letters under NFKC; the second would turn the whole word into [UNK], so pictographs are
replaced by a space (never removed outright: that would glue the neighbouring words together).
"""

from __future__ import annotations

import re
import unicodedata

# Symbols that carry meaning in prose or code and that the tokenizer knows: kept as they are.
_KEPT_SYMBOLS = frozenset("©®°±×÷→←↑↓⇒⇔∞≈≠≤≥√∑∏∂∆∇∈∉∩∪⊂⊆¬∀∃€£¥$¢%‰§¶•·…–—«»‹›“”‘’")
# Bullet-like operators used as list markers in newsletters; the tokenizer knows none of them.
_BULLETS = str.maketrans(dict.fromkeys("∙⋅◦▪▫●○■□▶►▸‣⁃", "•"))
_SPACES = re.compile(r"[^\S\n]+")
_TRAILING_SPACES = re.compile(r"[^\S\n]+\n")
_MANY_BLANK_LINES = re.compile(r"\n{3,}")


def is_pictograph(char: str) -> bool:
    """Emoji, dingbats, arrows-as-decoration, emoji modifiers and other symbols with no word meaning."""
    if char in _KEPT_SYMBOLS:
        return False
    category = unicodedata.category(char)
    if category in ("So", "Sk", "Co", "Cs", "Me"):
        return not char.isascii()  # ASCII ^ and ` are Sk and are code
    # Variation selectors, zero-width joiner and tag characters stitch emoji sequences together.
    code = ord(char)
    return 0xFE00 <= code <= 0xFE0F or code == 0x200D or 0xE0020 <= code <= 0xE007F or 0x1F3FB <= code <= 0x1F3FF


def normalize_unicode(text: str) -> str:
    """NFKC, pictographs -> space, control characters dropped, newlines unified."""
    text = unicodedata.normalize("NFKC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = text.translate(_BULLETS)
    out: list[str] = []
    for char in text:
        if char in "\n\t":
            out.append(char)
        elif is_pictograph(char):
            out.append(" ")
        elif unicodedata.category(char) in ("Cc", "Cf"):  # control and invisible format characters
            continue
        else:
            out.append(char)
    return "".join(out)


def collapse_prose_whitespace(text: str) -> str:
    """Runs of spaces -> one space, no trailing spaces, at most one blank line, no outer blank lines."""
    text = _SPACES.sub(" ", text)
    text = _TRAILING_SPACES.sub("\n", text)
    text = _MANY_BLANK_LINES.sub("\n\n", text)
    return text.strip()


def tidy_code_whitespace(text: str) -> str:
    """Code keeps its indentation and inner spacing: only trailing spaces and extra blank lines go."""
    text = _TRAILING_SPACES.sub("\n", text)
    text = _MANY_BLANK_LINES.sub("\n\n", text)
    return text.strip("\n").rstrip()
