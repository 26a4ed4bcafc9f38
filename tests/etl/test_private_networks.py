"""Links and redirects into private networks are refused unless the run names the host or allows them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from llm_engineering.application.crawlers import CrawlerDispatcher, Outcome, crawl_links, validate_links
from llm_engineering.application.crawlers.ingest import RetryPolicy
from llm_engineering.application.crawlers.links import HostPattern
from llm_engineering.application.crawlers.network import NetworkPolicy, PrivateAddressRefused
from llm_engineering.domain.documents import ArticleDocument, RepositoryDocument, UserDocument
from tests.etl.conftest import LocalRepo, LocalWeb
from tools.local_http import LocalSiteServer, Route

FAST_RETRY = RetryPolicy(attempts=1)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/admin",
        "http://localhost/",
        "http://10.1.2.3/x",
        "http://192.168.0.10/x",
        "http://172.16.5.4/x",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://[::1]:8080/",
        "http://[::ffff:127.0.0.1]/",
        "http://[fe80::1]/",
        "http://0.0.0.0/",
        "http://100.64.0.1/",  # carrier-grade NAT
    ],
)
def test_private_addresses_are_refused_by_default(url: str) -> None:
    with pytest.raises(PrivateAddressRefused, match=r"^refused .*private network address .*crawler_hosts"):
        NetworkPolicy().check(url)


def test_named_hosts_or_an_explicit_switch_allow_them() -> None:
    NetworkPolicy(allowed_hosts=(HostPattern.parse("127.0.0.1:8080"),)).check("http://127.0.0.1:8080/x")
    with pytest.raises(PrivateAddressRefused):  # only that port was named
        NetworkPolicy(allowed_hosts=(HostPattern.parse("127.0.0.1:8080"),)).check("http://127.0.0.1:9090/x")
    NetworkPolicy(allow_private=True).check("http://169.254.169.254/latest/meta-data/")
    NetworkPolicy().check("http://93.184.215.14/")  # a public address passes without any lookup


@pytest.fixture
def inner_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalSiteServer]:
    """A server on loopback that no crawler_hosts entry names: the "internal service" a redirect aims at."""
    root = tmp_path_factory.mktemp("inner")
    (root / "secret.html").write_text(
        "<html><head><title>Internal</title></head><body><article><p>" + "internal secret " * 20 + "</p>"
        "</article></body></html>"
    )
    with LocalSiteServer(root) as server:
        yield server


def test_links_and_redirects_into_private_networks_fail_end_to_end(
    local_web: LocalWeb, inner_server: LocalSiteServer, mongo_db: str
) -> None:
    redirect = local_web.blog.url("redirect-inside.html")
    local_web.blog.routes["/redirect-inside.html"] = Route(
        "", status=302, headers={"Location": inner_server.url("secret.html")}
    )
    substack_redirect = local_web.substack.url("redirect-inside.html")
    local_web.substack.routes["/redirect-inside.html"] = Route(
        "", status=302, headers={"Location": inner_server.url("secret.html")}
    )
    user = UserDocument.get_or_create(first_name="Ada", last_name="Quill")
    links = [redirect, substack_redirect, inner_server.url("secret.html")]
    with CrawlerDispatcher(local_web.crawler_hosts()) as dispatcher:
        summary = crawl_links(validate_links(links), user, dispatcher, retry=FAST_RETRY, progress=False)
    for result in summary.results:
        assert result.outcome is Outcome.FAILED
        assert result.reason == (
            f"refused {inner_server.url('secret.html')}: 127.0.0.1 is a private network address (127.0.0.1); "
            "name the host in crawler_hosts or set allow_private_networks: true to crawl it"
        )
    assert inner_server.requests == [], "nothing was requested from the internal server"
    assert ArticleDocument.estimated_count() == 0

    with CrawlerDispatcher(local_web.crawler_hosts(), allow_private_networks=True) as dispatcher:
        allowed = crawl_links(validate_links(links[:1]), user, dispatcher, retry=FAST_RETRY, progress=False)
    assert allowed.results[0].outcome is Outcome.SAVED, allowed.results[0].reason


@pytest.mark.browser
def test_the_browser_never_requests_a_redirect_hop_into_a_private_network(
    local_web: LocalWeb, inner_server: LocalSiteServer, mongo_db: str
) -> None:
    """Chromium follows redirects itself: the hop to a loopback port no crawler_hosts entry names is held and
    refused before it is sent, the link fails naming the address, and the same browser crawls on."""
    url = local_web.medium.url("redirect-inside.html")
    local_web.medium.routes["/redirect-inside.html"] = Route(
        "", status=302, headers={"Location": inner_server.url("secret.html")}
    )
    user = UserDocument.get_or_create(first_name="Ada", last_name="Quill")
    story = next(slug for slug, article in local_web.articles.items() if article.kind == "medium")
    links = [url, local_web.article_url(story)]
    with CrawlerDispatcher(local_web.crawler_hosts()) as dispatcher:
        summary = crawl_links(validate_links(links), user, dispatcher, retry=FAST_RETRY, progress=False)
        assert dispatcher.get_crawler(url).browser.starts == 1
    refused, crawled = summary.results
    assert refused.outcome is Outcome.FAILED
    assert refused.reason == (
        f"refused {inner_server.url('secret.html')}: 127.0.0.1 is a private network address (127.0.0.1); "
        "name the host in crawler_hosts or set allow_private_networks: true to crawl it"
    )
    assert inner_server.requests == [], "the browser sent nothing to the internal server"
    assert crawled.outcome is Outcome.SAVED, crawled.reason


def test_a_git_redirect_into_a_private_network_fails_end_to_end(
    local_web: LocalWeb, local_repo: LocalRepo, mongo_db: str
) -> None:
    """git would follow a redirect unseen: the crawler follows it first, hop by hop, and refuses this one."""
    with LocalSiteServer(local_web.root, git_root=local_web.git.git_root) as internal_git:  # named nowhere
        moved = local_web.git.url("git/moved-repo.git")
        target = internal_git.url("git/sample-tool.git/info/refs?service=git-upload-pack")
        local_web.git.routes["/git/moved-repo.git/info/refs"] = Route("", status=301, headers={"Location": target})
        user = UserDocument.get_or_create(first_name="Ada", last_name="Quill")
        with CrawlerDispatcher(local_web.crawler_hosts()) as dispatcher:
            result = crawl_links(validate_links([moved]), user, dispatcher, retry=FAST_RETRY, progress=False).results[0]
        assert result.outcome is Outcome.FAILED and result.reason.startswith(
            f"refused {target}: 127.0.0.1 is a private network address"
        )
        assert internal_git.requests == [] and RepositoryDocument.estimated_count() == 0

        # Named in crawler_hosts, the same redirect is followed and the repository crawled from where it moved.
        hosts = {**local_web.crawler_hosts(), "github": [local_web.git.netloc, internal_git.netloc]}
        with CrawlerDispatcher(hosts) as dispatcher:
            result = crawl_links(validate_links([moved]), user, dispatcher, retry=FAST_RETRY, progress=False).results[0]
        assert result.outcome is Outcome.SAVED, result.reason
        assert RepositoryDocument.find(_id=result.document_id).content == local_repo.files
