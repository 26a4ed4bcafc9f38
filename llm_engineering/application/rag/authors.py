"""The one author resolver: the ETL's user, the feature pipeline's author selection, the retriever's
filter and the tools' `--author` all go through here.

Known authors are the warehouse's users that have at least one document. Matching never writes: a
misspelled or unknown name simply means "no author filter" (the reference project created a ghost user
for it). Names match as whole words, ignoring case and accents ("labonne", "LABONNÉ" and "Labonne" are
one name). In a free-text query a full name always counts; a last name alone counts only when it is
unambiguous and written as a name: capitalised and in a name context ("by Bloom", "Bloom's", "Bloom
wrote"), so a question about "Bloom filters" or "Rust" is not silently restricted to an author named
Bloom or Rust. Every decision comes with its reason, which results carry.
"""

from __future__ import annotations

import re
import threading
import time
import unicodedata
from dataclasses import dataclass

from llm_engineering.domain.base.nosql import DuplicateDocument
from llm_engineering.domain.documents import RAW_DOCUMENT_CLASSES, UserDocument, user_name_key
from llm_engineering.domain.exceptions import ImproperlyConfigured, LLMTwinException

# The user list changes only when the ETL runs; re-reading it at most this often keeps queries fast.
USERS_TTL_S = 30.0
# Words around a bare last name that show it is used as a person's name.
_NAME_BEFORE = frozenset({"by", "from", "per", "author", "ask", "asked", "according"})
_NAME_AFTER = frozenset(
    "wrote writes write written says said say thinks think thought explains explain explained argues argue "
    "argued recommends recommend recommended suggests suggest suggested believes believe claims claim".split()
)


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


@dataclass(frozen=True)
class AuthorMatch:
    """The author a query designates (or None) and why, in words a user can check."""

    author: KnownAuthor | None
    reason: str


class AuthorDirectory:
    """The warehouse's authors (users with documents), read lazily and cached briefly; answers name look-ups."""

    def __init__(self, ttl_s: float = USERS_TTL_S) -> None:
        self._ttl_s = ttl_s
        self._lock = threading.Lock()
        self._loaded_at = float("-inf")
        self._authors: list[KnownAuthor] = []

    def authors(self) -> list[KnownAuthor]:
        with self._lock:
            if time.monotonic() - self._loaded_at > self._ttl_s:
                writing = set().union(*(raw.distinct_values("author_id") for raw in RAW_DOCUMENT_CLASSES))
                self._authors = [
                    KnownAuthor(str(user.id), user.full_name)
                    for user in UserDocument.bulk_find()
                    if str(user.id) in writing
                ]
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

    def resolve_many(self, names: list[str] | None) -> list[KnownAuthor] | None:
        """Explicit names -> authors (each must resolve; the error lists every unknown one). None/[] -> all."""
        wanted = [name.strip() for name in (names or []) if name and name.strip()]
        if not wanted:
            return None
        found: dict[str, KnownAuthor] = {}
        unknown = []
        for name in wanted:
            try:
                author = self.resolve(name)
            except UnknownAuthor:
                unknown.append(name)
                continue
            found.setdefault(author.id, author)
        if unknown:
            known = ", ".join(sorted(a.full_name for a in self.authors())) or "none: the warehouse has no authors"
            raise UnknownAuthor(f"Unknown author(s) {unknown} in the warehouse; known authors: {known}")
        return list(found.values())

    def detect(self, query: str) -> KnownAuthor | None:
        """The one author the query names, or None (no name, an unknown name, or an ambiguous one)."""
        return self.match(query).author

    def match(self, query: str) -> AuthorMatch:
        """The author the query names, with the reason a filter is (or is not) applied."""
        text = f" {fold(query)} "
        authors = self.authors()
        by_full_name = sorted({a for a in authors if f" {fold(a.full_name)} " in text}, key=lambda a: a.full_name)
        if len(by_full_name) == 1:
            return AuthorMatch(by_full_name[0], f"the query names {by_full_name[0].full_name}")
        if by_full_name:  # filtering on either would hide the other
            names = " and ".join(a.full_name for a in by_full_name)
            return AuthorMatch(None, f"the query names several authors ({names}): no author filter")
        words = _words(query)
        for last in sorted({_last_name(a) for a in authors if _last_name(a)}):
            spots = [i for i, (_, word, _) in enumerate(words) if word == last]
            if not spots:
                continue
            owners = sorted(a.full_name for a in authors if _last_name(a) == last)
            written = words[spots[0]][0]
            if len(owners) > 1:
                return AuthorMatch(None, f"{written!r} is the last name of {' and '.join(owners)}: no author filter")
            if any(_written_as_name(words, i) for i in spots):
                owner = next(a for a in authors if _last_name(a) == last)
                return AuthorMatch(owner, f"the query names {owner.full_name} by last name ({written!r})")
            return AuthorMatch(
                None,
                f"{written!r} matches {owners[0]}'s last name but is not written as a name (capitalised, with "
                f"'by {last.title()}', '{last.title()}'s' or '{last.title()} wrote'): no author filter",
            )
        return AuthorMatch(None, "no known author is named in the query: no author filter")


def get_or_create_user(full_name: str) -> UserDocument:
    """The ETL's user: found by name ignoring case and spacing, else created (once, even under a race)."""
    words = full_name.split()
    if not words:
        raise ImproperlyConfigured("user_full_name is empty: say whose links these are")
    first_name, last_name = words[0], " ".join(words[1:])
    key = user_name_key(full_name)
    existing = _find_user(key)
    if existing is not None:
        return existing.save()  # also stores the name_key of a user saved before it existed
    try:
        return UserDocument(first_name=first_name, last_name=last_name).save()
    except DuplicateDocument:  # another process created the same user meanwhile: the index kept one
        winner = _find_user(key)
        if winner is None:
            raise
        return winner


def _find_user(key: str) -> UserDocument | None:
    return UserDocument.find(name_key=key) or next(
        (user for user in UserDocument.bulk_find() if user_name_key(user.full_name) == key), None
    )


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


def _words(query: str) -> list[tuple[str, str, str]]:
    """(as written, folded, what follows it up to the next word) for every word of the query."""
    matches = list(re.finditer(r"\w+", query))
    return [
        (m.group(), fold(m.group()), query[m.end() : matches[i + 1].start() if i + 1 < len(matches) else len(query)])
        for i, m in enumerate(matches)
    ]


def _written_as_name(words: list[tuple[str, str, str]], index: int) -> bool:
    written, _, after = words[index]
    if not written[:1].isupper():
        return False
    following = words[index + 1][1] if index + 1 < len(words) else ""
    possessive = after.startswith(("'", "’")) and following == "s"
    preceding = words[index - 1][1] if index else ""
    if preceding == "to" and index > 1 and words[index - 2][1] == "according":
        preceding = "according"
    return possessive or preceding in _NAME_BEFORE or following in _NAME_AFTER
