"""ETL fidelity on the shared real saved pages: per page, what the real crawler stores and what it keeps out.

python bench/bench_realpages.py

Serves ../shared/realpages on loopback (one server per crawler, mapped with crawler_hosts, the Cloudflare page
with status 403), runs the real crawlers (headless Chromium for Medium) and prints, per page: kind, characters
stored, manifest phrases found, chrome leaked, or the failure. Exit status 1 when any page misses its manifest.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("SE_OFFLINE", "true")

from llm_engineering.application.crawlers import CrawlerDispatcher, parse_link  # noqa: E402
from llm_engineering.application.crawlers.dispatcher import default_factories  # noqa: E402
from llm_engineering.application.crawlers.medium import MediumCrawler  # noqa: E402
from llm_engineering.domain.exceptions import CrawlError  # noqa: E402
from tests.etl import realpages  # noqa: E402

# The saved pages name their sites' scripts: Chromium resolves no name but loopback, so it never waits on them.
OFFLINE_RESOLVER = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"


def main() -> int:
    if not realpages.available():
        print(f"{realpages.REALPAGES} is absent: nothing to measure")
        return 0
    web = realpages.RealPagesWeb.start()
    factories = {
        **default_factories(),
        "medium": lambda network: MediumCrawler(network=network, chromium_arguments=(OFFLINE_RESOLVER,)),
    }
    rows, ok = [], True
    try:
        with CrawlerDispatcher(web.crawler_hosts(), factories=factories) as dispatcher:
            for entry in realpages.manifest():
                link = parse_link(web.url(entry))
                started = time.perf_counter()
                try:
                    body = dispatcher.get_crawler(link).extract(link)["content"]["Content"]
                except CrawlError as error:
                    expected = entry["kind"] == "botcheck"
                    ok &= expected
                    rows.append((entry, "-", "-", "-", f"failure: {error}", time.perf_counter() - started))
                    continue
                text = realpages.comparable(body)
                found = sum(realpages.comparable(p) in text for p in entry["must_contain"])
                leaked = sum(realpages.comparable(p) in text for p in entry["must_not_contain"])
                ok &= entry["kind"] != "botcheck" and found == len(entry["must_contain"]) and leaked == 0
                phrases = f"{found}/{len(entry['must_contain'])}"
                rows.append((entry, len(body), phrases, leaked, "stored", time.perf_counter() - started))
    finally:
        web.stop()
    print(f"\n{'page':<48}{'kind':<10}{'chars':>7}{'phrases':>9}{'leaked':>8}  {'seconds':>7}  outcome")
    for entry, chars, phrases, leaked, outcome, seconds in rows:
        print(f"{entry['file']:<48}{entry['kind']:<10}{chars:>7}{phrases:>9}{leaked:>8}  {seconds:>7.2f}  {outcome}")
    print(f"\n{'PASS' if ok else 'FAIL'}: every article keeps its phrases and drops its chrome; the bot check fails")
    print("reproduce: python bench/bench_realpages.py")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
