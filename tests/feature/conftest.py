"""Helpers of the feature pipeline tests: a small real warehouse and a ZenML run."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from llm_engineering.domain.documents import ArticleDocument, PostDocument, RepositoryDocument, UserDocument

AUTHOR_ID = uuid.UUID("11111111-2222-4333-8444-555555555555")
OTHER_AUTHOR_ID = uuid.UUID("66666666-7777-4888-9999-aaaaaaaaaaaa")
AUTHOR = "Ada Lovelace"
OTHER_AUTHOR = "Alan Turing"

ARTICLE_TEXT = """# Vector databases

**Qdrant** stores 𝗲𝗺𝗯𝗲𝗱𝗱𝗶𝗻𝗴𝘀 💪next to payloads. See [the docs](https://qdrant.tech/documentation/) or https://example.com/x.

![diagram](https://example.com/img.png)

## Chunking

""" + " ".join(f"Sentence number {i} explains how chunks overlap and why token limits matter." for i in range(60))


def small_warehouse() -> dict[str, object]:
    """Two authors, an article, a post and a repository each kind of messy; returns the documents."""
    users = [
        UserDocument(id=AUTHOR_ID, first_name="Ada", last_name="Lovelace"),
        UserDocument(id=OTHER_AUTHOR_ID, first_name="Alan", last_name="Turing"),
    ]
    UserDocument.bulk_upsert(users)
    article = ArticleDocument(
        content={"Title": "Vectors", "Subtitle": None, "Content": ARTICLE_TEXT, "language": "en"},
        platform="substack",
        author_id=AUTHOR_ID,
        author_full_name=AUTHOR,
        link="https://example.com/article",
    )
    post = PostDocument(
        content={"Post": "🚀𝗟𝗟𝗠 twins write like you ✍️ #mlops", "Title": None},
        platform="linkedin",
        author_id=OTHER_AUTHOR_ID,
        author_full_name=OTHER_AUTHOR,
    )
    repository = RepositoryDocument(
        content={
            "LICENSE": "MIT License\n\nPermission is hereby granted, free of charge...",
            "src/main.cpp": "#include <vector>\n\nint main() {\n    auto f = [](int x) -> int { return x + 1; };\n"
            "    std::vector<int> v{1, 2};\n    return f(v[0]);\n}\n",
            "dist/app.min.js": "var a=1;" * 400,
            "README.md": "# Tool\n\nA C++ tool. See [site](https://example.com).",
            "empty.py": None,
        },
        name="tool",
        platform="github",
        author_id=AUTHOR_ID,
        author_full_name=AUTHOR,
        link="https://github.com/ada/tool",
    )
    ArticleDocument.bulk_upsert([article])
    PostDocument.bulk_upsert([post])
    RepositoryDocument.bulk_upsert([repository])
    return {"article": article, "post": post, "repository": repository}


def import_corpus(folder: Path) -> int:
    """The real handbook warehouse dump into the test database (what tools/data_warehouse will do)."""
    users = [UserDocument.from_mongo(item) for item in json.loads((folder / "UserDocument.json").read_text())]
    articles = [ArticleDocument.from_mongo(item) for item in json.loads((folder / "ArticleDocument.json").read_text())]
    UserDocument.bulk_upsert(users)
    ArticleDocument.bulk_upsert(articles)
    return len(articles)


def run_feature_pipeline(author_full_names: list[str] | None = None, full_rebuild: bool = False) -> dict[str, dict]:
    """Run the ZenML pipeline in-process; returns each step's logged metadata by invocation name."""
    from pipelines.feature_engineering import feature_engineering

    run = feature_engineering.with_options(enable_cache=True)(
        author_full_names=author_full_names or [], full_rebuild=full_rebuild
    )
    return {name: dict(step.run_metadata) for name, step in run.steps.items()}


@pytest.fixture
def warehouse(stores: tuple[str, Path]) -> dict[str, object]:
    return small_warehouse()
