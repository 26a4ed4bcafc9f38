"""Where a git HTTP URL really leads, with every redirect hop checked against the run's network policy.

git follows redirects itself, unseen; so the crawler asks the server's ref advertisement first, hop by hop,
then clones the final address with git's own redirects turned off.
"""

from __future__ import annotations

import httpx

from llm_engineering.application.crawlers.http_fetch import USER_AGENT
from llm_engineering.application.crawlers.network import NetworkPolicy

_REFS = "/info/refs?service=git-upload-pack"


def final_repository_url(url: str, network: NetworkPolicy, timeout_s: float = 30.0) -> str:
    """The repository URL after redirects (`PrivateAddressRefused` when one leads into a private network).

    Any other failure returns `url` unchanged: `git clone` then reports it in its own words.
    """
    probe = url.rstrip("/") + _REFS

    def check_request(request: httpx.Request) -> None:
        network.check(str(request.url))

    client = httpx.Client(
        timeout=timeout_s,
        follow_redirects=True,
        headers={"User-Agent": USER_AGENT, "Git-Protocol": "version=2"},
        event_hooks={"request": [check_request]},
    )
    try:
        with client:
            final = str(client.get(probe).url)
    except httpx.HTTPError:
        return url
    if final != probe and final.endswith(_REFS):
        return final[: -len(_REFS)]
    return url
