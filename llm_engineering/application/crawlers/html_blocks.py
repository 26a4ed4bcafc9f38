"""Pull an article's own text out of its HTML: the body's blocks in order, never the page's navigation."""

from __future__ import annotations

from bs4 import BeautifulSoup, Tag

BLOCK_TAGS = ("p", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote", "li")
NOISE_TAGS = ("script", "style", "noscript", "nav", "header", "footer", "aside", "button", "form", "svg", "figure")


def clean_text(element: Tag) -> str:
    """Visible text with runs of whitespace collapsed; code keeps its lines exactly."""
    if element.name == "pre":
        return element.get_text().strip("\n")
    return " ".join(element.get_text().split())


def page_language(soup: BeautifulSoup) -> str | None:
    html = soup.find("html")
    language = html.get("lang") if isinstance(html, Tag) else None
    return str(language).strip() or None if language else None


def strip_noise(container: Tag) -> None:
    for tag in container.find_all(NOISE_TAGS):
        tag.decompose()


def body_blocks(container: Tag, skip: tuple[Tag | None, ...] = ()) -> list[str]:
    """Texts of the container's block elements in document order (nested blocks counted once)."""
    skipped = {id(tag) for tag in skip if tag is not None}
    blocks: list[str] = []
    for element in container.find_all(BLOCK_TAGS):
        if id(element) in skipped:
            continue
        if any(parent.name in BLOCK_TAGS for parent in element.parents if parent is not container):
            continue  # a <p> inside a <blockquote> or <li>: the outer block already holds its text
        text = clean_text(element)
        if text:
            blocks.append(text)
    return blocks


def meta_content(soup: BeautifulSoup, *names: str) -> str | None:
    for name in names:
        tag = soup.find("meta", attrs={"name": name}) or soup.find("meta", attrs={"property": name})
        if isinstance(tag, Tag) and tag.get("content"):
            return " ".join(str(tag["content"]).split())
    return None
