"""The shipped sample stays consistent: pages match their sources, the sample config matches the site."""

from __future__ import annotations

from pathlib import Path

from pipelines.digital_data_etl import load_etl_config
from tools.local_http import LocalSiteServer
from tools.sample_site import RENDERERS, SAMPLE_CONFIG, SAMPLE_PORTS, SITE_DIR, SampleSite, load_articles


def test_sample_articles_are_substantive_and_distinct() -> None:
    articles = load_articles()
    assert len(articles) == 8
    assert {a.kind for a in articles} == {"medium", "substack", "blog"}
    for article in articles:
        words = len(article.content.split())
        assert 300 <= words <= 700, (article.slug, words)
    assert len({a.title for a in articles}) == 8


def test_rendered_pages_are_up_to_date() -> None:
    for article in load_articles():
        page = SITE_DIR / article.path
        assert page.read_text(encoding="utf-8") == RENDERERS[article.kind](article), (
            f"{page} is stale: run python -m tools.sample_site render"
        )


def test_sample_config_lists_every_sample_link_with_its_routes() -> None:
    parameters, _ = load_etl_config(SAMPLE_CONFIG)
    servers = {kind: LocalSiteServer(Path(SITE_DIR), port=0) for kind in SAMPLE_PORTS}
    try:
        for kind, server in servers.items():  # pretend each listens on its fixed sample port
            server.server_address = ("127.0.0.1", SAMPLE_PORTS[kind])
        site = SampleSite(servers)
        assert sorted(parameters["links"]) == sorted(site.links())
        assert parameters["crawler_hosts"] == site.crawler_hosts()
        assert parameters["user_full_name"] == "Ada Quill"
    finally:
        for server in servers.values():
            server.server_close()
