"""The Medium crawler drives the real headless Chromium against JavaScript-rendered, lazy-loaded pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from llm_engineering.application.crawlers import BlockedPage, TransientCrawlError, parse_link
from llm_engineering.application.crawlers.browser import BrowserSession
from llm_engineering.application.crawlers.medium import MediumCrawler
from llm_engineering.domain.exceptions import CrawlError
from tests.etl.conftest import LOOPBACK, LocalWeb, closed_port
from tools.local_http import Route

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def medium() -> Iterator[MediumCrawler]:
    """One crawler (one browser) for the module, as in a crawl run; short waits keep failures fast."""
    crawler = MediumCrawler(content_wait_s=3.0, page_load_timeout_s=10.0, network=LOOPBACK)
    yield crawler
    crawler.close()


def _processes_using(profile_dir: str) -> list[int]:
    """Pids of live processes whose command line names this browser profile (Linux /proc)."""
    pids = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if (
                profile_dir.encode() in cmdline.read_bytes()
                and "Z" not in (cmdline.parent / "stat").read_text().split()[2]
            ):
                pids.append(int(cmdline.parent.name))
        except OSError:
            continue
    return pids


def test_javascript_rendered_lazy_loaded_story_is_extracted_exactly(local_web: LocalWeb, medium: MediumCrawler) -> None:
    article = local_web.articles["hnsw-vector-search"]
    fields = medium.extract(parse_link(local_web.medium.url("medium/hnsw-vector-search.html")))
    assert fields["platform"] == "medium"
    content = {key: fields["content"][key] for key in ("Title", "Subtitle", "Content", "language")}
    assert content == {
        "Title": "Tuning HNSW Graphs for Vector Search",
        "Subtitle": "What the M, ef_construction and ef_search knobs really trade against each other",
        "Content": article.content,
        "language": "en",
    }
    content = fields["content"]["Content"]
    # The last paragraph only exists after the reader scrolls; the page's chrome never leaks in.
    assert content.endswith("until you reach it.")
    for chrome in ("Sign up", "Sign in", "More from", "Recommended from Medium", "Follow", "min read", "Privacy"):
        assert chrome not in content


def test_without_scrolling_the_lazy_part_is_missing(local_web: LocalWeb, medium: MediumCrawler) -> None:
    """Proves the page really lazy-loads, so the test above shows that scrolling works."""
    article = local_web.articles["bm25-ranking"]
    lazy = MediumCrawler(medium.browser, max_scrolls=0, network=LOOPBACK)
    partial = lazy.extract(parse_link(local_web.medium.url("medium/bm25-ranking.html")))["content"]["Content"]
    assert article.content.startswith(partial) and len(partial) < len(article.content) / 2
    full = medium.extract(parse_link(local_web.medium.url("medium/bm25-ranking.html")))["content"]["Content"]
    assert full == article.content


def test_one_browser_serves_every_link_of_a_run(local_web: LocalWeb) -> None:
    with MediumCrawler(network=LOOPBACK) as crawler:
        for slug in ("bm25-ranking", "raft-leader-election", "hnsw-vector-search"):
            fields = crawler.extract(parse_link(local_web.medium.url(f"medium/{slug}.html")))
            assert fields["content"]["Content"] == local_web.articles[slug].content
        assert crawler.browser.starts == 1
        profile = crawler.browser._profile_dir
        assert profile and _processes_using(profile), "one browser runs during the run"
    assert not crawler.browser.running
    assert _processes_using(profile) == [], "quit() must stop every browser process"
    assert not Path(profile).exists(), "the temporary profile is removed"


def test_browser_quits_even_when_the_crawl_fails(local_web: LocalWeb) -> None:
    session = BrowserSession()
    try:
        with pytest.raises(BlockedPage):
            with MediumCrawler(session, content_wait_s=2.0, network=LOOPBACK) as crawler:
                crawler.extract(parse_link(local_web.medium.url("bot/just-a-moment.html")))
                raise AssertionError("unreachable")
    finally:
        session.close()
    assert not session.running


def test_a_browser_whose_navigation_guard_stopped_is_replaced(local_web: LocalWeb) -> None:
    """Without its DevTools connection Chromium would navigate unchecked: the session starts a fresh browser."""
    with MediumCrawler(content_wait_s=2.0, network=LOOPBACK) as crawler:
        url = local_web.article_url(next(s for s, a in local_web.articles.items() if a.kind == "medium"))
        crawler.extract(parse_link(url))
        crawler.browser._guard._socket.close()  # as when the connection breaks
        crawler.browser._guard._thread.join(timeout=5)
        assert crawler.extract(parse_link(url))["content"]
        assert crawler.browser.starts == 2 and crawler.browser._guard.alive


@pytest.mark.parametrize(
    ("page", "reason"),
    [
        ("bot/just-a-moment.html", "bot check page (title 'Just a moment...')"),
        ("bot/verify-human.html", "bot check page (says 'verify you are human')"),
        ("bot/captcha-wall.html", "bot check page (says 'are you a robot')"),
    ],
)
def test_bot_checks_in_the_browser_are_failures(
    local_web: LocalWeb, medium: MediumCrawler, page: str, reason: str
) -> None:
    with pytest.raises(BlockedPage) as error:
        medium.extract(parse_link(local_web.medium.url(page)))
    assert str(error.value) == reason


def test_error_pages_and_missing_articles(local_web: LocalWeb, medium: MediumCrawler) -> None:
    with pytest.raises(CrawlError, match=r"^HTTP 404 from "):
        medium.extract(parse_link(local_web.medium.url("errors/404.html")))
    with pytest.raises(CrawlError, match=r"^HTTP 500 from "):
        medium.extract(parse_link(local_web.medium.url("errors/500.html")))
    with pytest.raises(CrawlError, match=r"empty body"):
        medium.extract(parse_link(local_web.medium.url("empty.html")))
    # A directory listing has no <article>: not a story.
    with pytest.raises(CrawlError, match=r"no <article> element"):
        medium.extract(parse_link(local_web.medium.url("bot/")))


def test_slow_page_times_out_and_unreachable_host_is_transient(local_web: LocalWeb) -> None:
    with MediumCrawler(page_load_timeout_s=1.0, network=LOOPBACK) as crawler:
        with pytest.raises(TransientCrawlError, match="timed out after 1s"):
            crawler.extract(parse_link(local_web.medium.url("errors/slow.html")))
        with pytest.raises(TransientCrawlError, match="ERR_CONNECTION_REFUSED"):
            crawler.extract(parse_link(f"http://127.0.0.1:{closed_port()}/story.html"))
        # The browser survived both and still crawls.
        fields = crawler.extract(parse_link(local_web.medium.url("medium/raft-leader-election.html")))
        assert fields["content"]["Content"] == local_web.articles["raft-leader-election"].content
        assert crawler.browser.starts == 1


# A story whose later parts arrive after the reader scrolls, through a slow timer and then a slow fetch: both
# far longer than the crawler's quiet window, so only tracking the page's pending work gets them all.
SLOW_LAZY_STORY = """<!doctype html><html lang="en"><head><title>Slow story | Medium</title></head><body>
<main id="root"><article><h1 class="pw-post-title">Slow story</h1><section id="body">
<p class="pw-post-body-paragraph">Part one is there from the start.</p></section></article></main>
<div style="height:2000px">More from the author</div>
<script>
const body = document.getElementById('body');
let step = 0;
function add(text) { const p = document.createElement('p'); p.textContent = text; body.appendChild(p); }
window.addEventListener('scroll', function () {
  if (step === 0) { step = 1; setTimeout(function () { add('Part two came after a 400 ms timer.'); }, 400); }
  else if (step === 1 && body.children.length === 2) {
    step = 2;
    fetch('/slow-part-three.txt').then(r => r.text()).then(text => add(text.trim()));
  }
});
</script></body></html>"""


def test_slow_timers_and_requests_are_waited_for(local_web: LocalWeb, medium: MediumCrawler) -> None:
    (local_web.root / "medium" / "slow-story.html").write_text(SLOW_LAZY_STORY, encoding="utf-8")
    local_web.medium.routes["/slow-part-three.txt"] = Route("Part three came from a 600 ms request.", delay_s=0.6)
    assert medium.scroll_quiet_s < 0.4  # the waits below are longer than the quiet window
    content = medium.extract(parse_link(local_web.medium.url("medium/slow-story.html")))["content"]["Content"]
    assert content == (
        "Part one is there from the start.\n\nPart two came after a 400 ms timer.\n\n"
        "Part three came from a 600 ms request."
    )
