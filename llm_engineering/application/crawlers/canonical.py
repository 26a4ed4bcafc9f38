"""One link, one document: the canonical spelling of a link, used for lookup and storage.

courlan does the standard normalisation (scheme and host case, default ports, path dot-segments and
percent-encoding, sorted query); on top of it we drop `www.`, fragments, trailing slashes and tracking
parameters, and for repositories `.git` and any query. The scheme is not part of a link's identity, so
`http://` and `https://` spellings of one page match the same document.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Parameters that say where a reader came from, never which page it is (Medium `source`/`sk` friend links,
# Substack `r` referrals, newsletters, ad click ids).
_TRACKING_PARAMS = frozenset({
    "source", "sk", "r", "ref", "ref_src", "ref_url", "referrer", "si", "fbclid", "gclid", "dclid", "msclkid",
    "mc_cid", "mc_eid", "igshid", "yclid", "_hsenc", "_hsmi", "mkt_tok", "triedredirect", "showwelcomeonshare",
    "isfreemail",
})  # fmt: skip
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "oly_")


def canonical_link(url: str, repository: bool = False) -> str:
    """The canonical spelling of an http(s) link (`url` must already be a valid link)."""
    from courlan import normalize_url

    normalized = urlsplit(normalize_url(url, strict=False, trailing_slash=False))
    host = normalized.netloc.rsplit("@", 1)[-1]
    host = host.removeprefix("www.")
    path = normalized.path.replace("%40", "@")  # `@user` Medium paths keep their usual spelling
    path = re.sub(r"/{2,}", "/", path).rstrip("/")
    query = "" if repository else _without_tracking(normalized.query)
    if repository:
        path = path.removesuffix(".git").rstrip("/")
    return urlunsplit((normalized.scheme, host, path or ("" if repository else "/"), query, ""))


def link_identity(canonical: str) -> str:
    """What makes two canonical links the same document: everything but the scheme."""
    return canonical.split("://", 1)[-1]


def stored_link_identity(link: object, repository: bool = False) -> str | None:
    """The identity of a link as stored (any spelling, e.g. from an imported backup); None when unparsable."""
    from llm_engineering.application.crawlers.links import MalformedLink, parse_link

    try:
        return link_identity(parse_link(link).canonical(repository=repository))
    except MalformedLink:
        return None


def _without_tracking(query: str) -> str:
    kept = [
        (key, value)
        for key, value in parse_qsl(query, keep_blank_values=True)
        if key.lower() not in _TRACKING_PARAMS and not key.lower().startswith(_TRACKING_PREFIXES)
    ]
    return urlencode(sorted(kept))
