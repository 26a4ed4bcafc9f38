"""Crawler throughput on 50 local article pages: one browser per run vs a browser per link, and the custom crawler.

python bench/bench_crawlers.py [--pages 50]

The pages are the sample articles rendered as Medium-like pages (JavaScript-rendered, lazy-loaded on scroll)
for the Medium crawler and as plain blog pages for the custom crawler, served on 127.0.0.1. Every extraction
is checked against the source text, so a fast but wrong crawl cannot pass. The issue's floor: one browser
per run must be at least 5x faster than a browser per link.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("SE_OFFLINE", "true")

from llm_engineering.application.crawlers.custom_article import CustomArticleCrawler  # noqa: E402
from llm_engineering.application.crawlers.links import parse_link  # noqa: E402
from llm_engineering.application.crawlers.medium import MediumCrawler  # noqa: E402
from llm_engineering.application.crawlers.network import ALLOW_ALL  # noqa: E402
from tools.local_http import LocalSiteServer  # noqa: E402
from tools.sample_site import Article, load_articles, render_blog, render_medium  # noqa: E402

FLOOR = 5.0


def build_pages(root: Path, count: int) -> list[Article]:
    sources = load_articles()
    pages = []
    for index in range(count):
        source = sources[index % len(sources)]
        article = replace(source, slug=f"{source.slug}-{index:02d}", title=f"{source.title} (part {index + 1})")
        for kind, render in (("medium", render_medium), ("blog", render_blog)):
            path = root / kind / f"{article.slug}.html"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(render(article), encoding="utf-8")
        pages.append(article)
    return pages


def timed(label: str, run: Callable[[], int]) -> tuple[str, int, float]:
    started = time.perf_counter()
    crawled = run()
    return label, crawled, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=50)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="moodswarm-bench-") as folder, LocalSiteServer(Path(folder)) as server:
        pages = build_pages(Path(folder), args.pages)
        medium_links = [parse_link(server.url(f"medium/{a.slug}.html")) for a in pages]
        blog_links = [parse_link(server.url(f"blog/{a.slug}.html")) for a in pages]

        def check_medium(article: Article, fields: dict) -> None:
            content, title = fields["content"]["Content"], fields["content"]["Title"]
            if content != article.content or title != article.title:
                raise SystemExit(
                    f"Wrong extraction for {article.slug}: title {title!r}, {len(content)} of "
                    f"{len(article.content)} characters"
                )

        def one_browser() -> int:
            with MediumCrawler(network=ALLOW_ALL) as crawler:
                for article, link in zip(pages, medium_links, strict=True):
                    check_medium(article, crawler.extract(link))
                assert crawler.browser.starts == 1
            return len(pages)

        def browser_per_link() -> int:
            for article, link in zip(pages, medium_links, strict=True):
                with MediumCrawler(network=ALLOW_ALL) as crawler:
                    check_medium(article, crawler.extract(link))
            return len(pages)

        def custom() -> int:
            crawler = CustomArticleCrawler(network=ALLOW_ALL)
            for article, link in zip(pages, blog_links, strict=True):
                text = " ".join(crawler.extract(link)["content"]["Content"].split())
                if " ".join(article.blocks[0][1].split()) not in text:
                    raise SystemExit(f"Wrong extraction for {article.slug}: {text[:300]!r}")
            return len(pages)

        results = [
            timed("medium, one browser per run", one_browser),
            timed("medium, one browser per link", browser_per_link),
            timed("custom article crawler (trafilatura)", custom),
        ]

    rates = {label: crawled / seconds for label, crawled, seconds in results}
    print(f"\nCrawler throughput, {args.pages} local pages each (cpu count {os.cpu_count()})")
    print(f"{'mode':<44}{'pages':>7}{'seconds':>10}{'pages/s':>10}")
    for label, crawled, seconds in results:
        print(f"{label:<44}{crawled:>7}{seconds:>10.2f}{rates[label]:>10.2f}")
    ratio = rates["medium, one browser per run"] / rates["medium, one browser per link"]
    verdict = "PASS" if ratio >= FLOOR else "FAIL"
    print(f"\none browser per run / one browser per link = {ratio:.1f}x (floor {FLOOR:g}x): {verdict}")
    print(f"reproduce: python bench/bench_crawlers.py --pages {args.pages}")
    return 0 if ratio >= FLOOR else 1


if __name__ == "__main__":
    sys.exit(main())
