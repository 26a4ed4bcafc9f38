"""Self-query: which known author, if any, a query is about.

Only users already in the warehouse can match, and nothing is ever written: a misspelled or unknown
name simply means "no author filter" (the reference project created a ghost user for it). Names match
as whole words, ignoring case and accents ("labonne", "LABONNÉ" and "Labonne" are one name), by full
name or by last name alone; a last name shared by two users is ambiguous and matches nobody.
"""

from __future__ import annotations

import re
import threading
import time
import unicodedata
from dataclasses import dataclass

from llm_engineering.domain.documents import UserDocument
from llm_engineering.domain.exceptions import LLMTwinException

# The user list changes only when the ETL runs; re-reading it at most this often keeps queries fast.
USERS_TTL_S = 30.0


class UnknownAuthor(LLMTwinException):
    """An explicitly requested author is not in the warehouse."""


def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced words: the form names are compared in."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()
    return " ".join(re.findall(r"\w+", bare))


@dataclass(frozen=True)
class KnownAuthor:
    id: str
    full_name: str


class AuthorDirectory:
    """The warehouse's users, read lazily and cached briefly; answers name look-ups."""

    def __init__(self, ttl_s: float = USERS_TTL_S) -> None:
        self._ttl_s = ttl_s
        self._lock = threading.Lock()
        self._loaded_at = float("-inf")
        self._authors: list[KnownAuthor] = []

    def authors(self) -> list[KnownAuthor]:
        with self._lock:
            if time.monotonic() - self._loaded_at > self._ttl_s:
                self._authors = [KnownAuthor(str(user.id), user.full_name) for user in UserDocument.bulk_find()]
                self._loaded_at = time.monotonic()
            return list(self._authors)

    def resolve(self, name: str) -> KnownAuthor:
        """The author an explicit name designates (full or last name); raises UnknownAuthor otherwise."""
        wanted = fold(name)
        authors = self.authors()
        matches = [a for a in authors if fold(a.full_name) == wanted] or [a for a in authors if _last_name(a) == wanted]
        if len(matches) == 1:
            return matches[0]
        known = ", ".join(sorted(a.full_name for a in authors)) or "none"
        reason = "is ambiguous" if matches else "is not in the warehouse"
        raise UnknownAuthor(f"Author {name!r} {reason} (known authors: {known})")

    def detect(self, query: str) -> KnownAuthor | None:
        """The one author the query names, or None (no name, an unknown name, or an ambiguous one)."""
        text = f" {fold(query)} "
        authors = self.authors()
        by_full_name = {a for a in authors if f" {fold(a.full_name)} " in text}
        if len(by_full_name) == 1:
            return by_full_name.pop()
        if by_full_name:
            return None  # two authors named: filtering on either would hide the other
        by_last_name = [a for a in authors if _last_name(a) and f" {_last_name(a)} " in text]
        return by_last_name[0] if len(by_last_name) == 1 else None


def without_name(query: str, author: KnownAuthor) -> str:
    """The query with the author's name (full, else last) cut out: once it is a filter, the name would
    only pull in chunks that merely mention it. Returns the query unchanged if nothing else is left."""
    words = [(match.start(), match.end(), fold(match.group())) for match in re.finditer(r"\w+", query)]
    folded = [word for _, _, word in words]
    for name in (fold(author.full_name).split(), [_last_name(author)]):
        size = len(name)
        if not name or not name[0]:
            continue
        for index in range(len(folded) - size + 1):
            if folded[index : index + size] == name:
                start, end = words[index][0], words[index + size - 1][1]
                end += len(re.match(r"['’]s\b", query[end:]).group()) if re.match(r"['’]s\b", query[end:]) else 0
                rest = " ".join((query[:start] + " " + query[end:]).split())
                return rest if re.search(r"\w", rest) else query
    return query


def _last_name(author: KnownAuthor) -> str:
    words = fold(author.full_name).split()
    return words[-1] if len(words) > 1 else ""
