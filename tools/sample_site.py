"""The project's own sample: Ada Quill's articles as Medium-like, Substack-like and blog pages, plus a tiny repo.

python -m tools.sample_site render          # data/sample_articles/*.md -> data/sample_site/**.html
python -m tools.sample_site serve           # serve it on the ports configs/digital_data_etl_sample.yaml names
python -m tools.sample_site etl [--refresh] # serve it and run the ETL with that config (offline)
"""

from __future__ import annotations

import html
import json
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from llm_engineering.settings import REPO_ROOT, get_settings
from tools.local_http import LocalSiteServer, make_bare_repository

ARTICLES_DIR = REPO_ROOT / "data" / "sample_articles"
SITE_DIR = REPO_ROOT / "data" / "sample_site"
REPO_DIR = REPO_ROOT / "data" / "sample_repo"
SAMPLE_CONFIG = REPO_ROOT / "configs" / "digital_data_etl_sample.yaml"
AUTHOR = "Ada Quill"
REPO_NAME = "tinybloom"
# Each kind of page is served on its own loopback port so the config's crawler_hosts can route it.
SAMPLE_PORTS = {"medium": 8761, "substack": 8762, "blog": 8763, "git": 8764}


@dataclass
class Article:
    slug: str
    title: str
    subtitle: str
    kind: str  # medium | substack | blog
    blocks: list[tuple[str, str]] = field(default_factory=list)  # (tag, text): p, h3 or pre

    @property
    def content(self) -> str:
        """The body exactly as the Medium and Substack crawlers must extract it."""
        return "\n\n".join(text for _, text in self.blocks)

    @property
    def path(self) -> str:
        return f"{self.kind}/{self.slug}.html"


def parse_article(source: str, slug: str) -> Article:
    """A tiny format: a `---` header of `key: value` lines, then paragraphs, `### headings` and fenced code."""
    _, header, body = source.split("---\n", 2)
    meta = dict(line.split(": ", 1) for line in header.strip().splitlines())
    article = Article(slug=slug, title=meta["title"], subtitle=meta["subtitle"], kind=meta["kind"])
    lines = body.strip("\n").splitlines()
    paragraph: list[str] = []
    index = 0

    def flush() -> None:
        if paragraph:
            article.blocks.append(("p", " ".join(paragraph)))
            paragraph.clear()

    while index < len(lines):
        line = lines[index]
        if line.startswith("```"):
            flush()
            end = lines.index("```", index + 1)
            article.blocks.append(("pre", "\n".join(lines[index + 1 : end])))
            index = end + 1
            continue
        if line.startswith("### "):
            flush()
            article.blocks.append(("h3", line[4:].strip()))
        elif not line.strip():
            flush()
        else:
            paragraph.append(line.strip())
        index += 1
    flush()
    return article


def load_articles(directory: Path = ARTICLES_DIR) -> list[Article]:
    return [parse_article(path.read_text(encoding="utf-8"), path.stem) for path in sorted(directory.glob("*.md"))]


def _blocks_html(blocks: list[tuple[str, str]], paragraph_class: str = "") -> str:
    attribute = f' class="{paragraph_class}"' if paragraph_class else ""
    return "\n".join(
        f"<pre><code>{html.escape(text)}</code></pre>"
        if tag == "pre"
        else f"<{tag}{attribute}>{html.escape(text)}</{tag}>"
        for tag, text in blocks
    )


# Medium-like: the story arrives as JSON and JavaScript renders it; later blocks load only when the reader
# scrolls near the bottom (a tall "more stories" area keeps the bottom out of view).
_MEDIUM_SCRIPT = """
(function () {
  const story = JSON.parse(document.getElementById('story-data').textContent);
  const root = document.getElementById('root');
  const FIRST = 4, BATCH = 8;
  let shown = 0, loading = false, body = null;
  function addBlocks(count) {
    story.blocks.slice(shown, shown + count).forEach(function (block) {
      const tag = block[0] === 'pre' ? 'pre' : block[0];
      const element = document.createElement(tag);
      if (tag === 'p') element.className = 'pw-post-body-paragraph';
      element.textContent = block[1];
      body.appendChild(element);
    });
    shown = Math.min(story.blocks.length, shown + count);
  }
  setTimeout(function () {
    const article = document.createElement('article');
    const title = document.createElement('h1');
    title.className = 'pw-post-title';
    title.textContent = story.title;
    const subtitle = document.createElement('h2');
    subtitle.className = 'pw-subtitle-paragraph';
    subtitle.textContent = story.subtitle;
    const meta = document.createElement('div');
    meta.className = 'byline';
    meta.innerHTML = '<button>Follow</button><span>' + story.readingTime + ' min read</span>';
    body = document.createElement('section');
    article.append(title, subtitle, meta, body);
    root.replaceChildren(article);
    addBlocks(FIRST);
  }, 30);
  window.addEventListener('scroll', function () {
    if (loading || !body || shown >= story.blocks.length) return;
    if (window.innerHeight + window.scrollY >= document.body.scrollHeight - 400) {
      loading = true;
      setTimeout(function () { addBlocks(BATCH); loading = false; }, 40);
    }
  });
})();
"""


def render_medium(article: Article, author: str = AUTHOR) -> str:
    story = {
        "title": article.title,
        "subtitle": article.subtitle,
        "blocks": article.blocks,
        "readingTime": max(1, len(article.content.split()) // 220),
    }
    data = json.dumps(story).replace("</", "<\\/")
    return f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{html.escape(article.title)} | by {author} | Medium</title>
<meta name="description" content="{html.escape(article.subtitle)}"></head>
<body>
<nav class="metabar"><a href="/">Medium</a> <a href="/search">Search</a> <a href="/new-story">Write</a>
<a href="/signup">Sign up</a> <a href="/signin">Sign in</a></nav>
<main id="root"><p>Loading story</p></main>
<div class="more-stories" style="height:1600px"><h4>More from {author}</h4><p>Recommended from Medium</p></div>
<footer><a href="/help">Help</a> <a href="/status">Status</a> <a href="/about">About</a>
<a href="/privacy">Privacy</a></footer>
<script id="story-data" type="application/json">{data}</script>
<script>{_MEDIUM_SCRIPT}</script>
</body>
</html>
"""


def render_substack(article: Article, author: str = AUTHOR) -> str:
    return f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{html.escape(article.title)} - by {author}</title>
<meta name="description" content="{html.escape(article.subtitle)}"></head>
<body>
<header class="main-menu"><a href="/">{author}'s Notes</a> <button>Subscribe</button>
<a href="/signin">Sign in</a></header>
<article class="post">
<div class="post-header"><h1 class="post-title">{html.escape(article.title)}</h1>
<h3 class="subtitle">{html.escape(article.subtitle)}</h3>
<div class="post-meta"><a href="/profile">{author}</a> <span>Jan 15, 2025</span></div></div>
<div class="available-content"><div class="body markup">
{_blocks_html(article.blocks)}
</div></div>
<div class="subscription-widget"><form><input type="email" placeholder="Type your email">
<button>Subscribe</button></form></div>
</article>
<footer><a href="/about">About</a> <a href="/archive">Archive</a> <a href="/tos">Terms</a></footer>
</body>
</html>
"""


def render_blog(article: Article, author: str = AUTHOR) -> str:
    return f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{html.escape(article.title)}</title>
<meta name="description" content="{html.escape(article.subtitle)}"></head>
<body>
<nav><a href="/">{author}</a> | <a href="/blog/">Blog</a> | <a href="/about.html">About</a></nav>
<main><article>
<h1>{html.escape(article.title)}</h1>
<p class="lede"><em>{html.escape(article.subtitle)}</em></p>
{_blocks_html(article.blocks)}
</article></main>
<footer>Written by {author}. Text licensed CC BY 4.0.</footer>
</body>
</html>
"""


RENDERERS = {"medium": render_medium, "substack": render_substack, "blog": render_blog}


def render_site(articles: list[Article], site_dir: Path = SITE_DIR) -> list[Path]:
    """Write every article's page (and an index); returns the pages written."""
    written = []
    for article in articles:
        page = site_dir / article.path
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(RENDERERS[article.kind](article), encoding="utf-8")
        written.append(page)
    items = "\n".join(f'<li><a href="/{a.path}">{html.escape(a.title)}</a></li>' for a in articles)
    (site_dir / "index.html").write_text(
        f"<!doctype html><html lang='en'><head><title>{AUTHOR}</title></head><body><ul>{items}</ul></body></html>\n",
        encoding="utf-8",
    )
    return written


def build_sample_repository(git_root: Path) -> Path:
    """data/sample_repo committed into a bare repository `git_root/tinybloom.git` (rebuilt each time)."""
    with tempfile.TemporaryDirectory(prefix="moodswarm-sample-repo-") as work:
        work_tree = Path(work) / REPO_NAME
        shutil.copytree(REPO_DIR, work_tree, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        return make_bare_repository(work_tree, git_root / f"{REPO_NAME}.git")


@dataclass
class SampleSite:
    servers: dict[str, LocalSiteServer]

    def links(self, articles: list[Article] | None = None) -> list[str]:
        articles = articles if articles is not None else load_articles()
        pages = [self.servers[a.kind].url(a.path) for a in articles]
        return [*pages, self.servers["git"].url(f"git/{REPO_NAME}.git")]

    def crawler_hosts(self) -> dict[str, list[str]]:
        return {
            "medium": [self.servers["medium"].netloc],
            "substack": [self.servers["substack"].netloc],
            "custom": [self.servers["blog"].netloc],  # named so its loopback address is allowed
            "github": [self.servers["git"].netloc],
        }


@contextmanager
def serve_sample_site(ports: dict[str, int] | None = None, git_root: Path | None = None) -> Iterator[SampleSite]:
    """Serve data/sample_site and the sample repository on loopback; ports default to SAMPLE_PORTS (0 = any)."""
    ports = ports if ports is not None else SAMPLE_PORTS
    git_root = git_root or get_settings().home / "sample_site" / "git"
    build_sample_repository(git_root)
    servers: dict[str, LocalSiteServer] = {}
    try:
        for kind in ("medium", "substack", "blog", "git"):
            try:
                servers[kind] = LocalSiteServer(SITE_DIR, git_root=git_root, port=ports.get(kind, 0)).start()
            except OSError as error:
                raise SystemExit(
                    f"Cannot serve the sample {kind} pages on 127.0.0.1:{ports.get(kind)}: {error}"
                ) from None
        yield SampleSite(servers)
    finally:
        for server in servers.values():
            server.stop()


def main(argv: list[str]) -> int:
    import click

    @click.group(help=__doc__)
    def cli() -> None:
        pass

    @cli.command(help="Render data/sample_articles into data/sample_site.")
    def render() -> None:
        pages = render_site(load_articles())
        click.echo(f"Wrote {len(pages)} pages under {SITE_DIR}")

    @cli.command(help="Serve the sample site and repository until Ctrl-C.")
    def serve() -> None:
        import time

        with serve_sample_site() as site:
            for link in site.links():
                click.echo(link)
            click.echo("Serving; Ctrl-C to stop")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass

    @cli.command(help="Serve the sample and run the ETL with configs/digital_data_etl_sample.yaml.")
    @click.option("--refresh", is_flag=True, default=False)
    def etl(refresh: bool) -> None:
        from llm_engineering.infrastructure.zenml_env import configure_zenml

        configure_zenml()
        from pipelines.digital_data_etl import run_digital_data_etl
        from tools.run import run_name

        with serve_sample_site():
            failures = run_digital_data_etl(SAMPLE_CONFIG, refresh=refresh, run_name=run_name("digital_data_etl"))
        if failures:
            raise SystemExit(1)

    return cli.main(args=argv, standalone_mode=True)


if __name__ == "__main__":
    main(sys.argv[1:])
