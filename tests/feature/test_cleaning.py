"""Cleaning handlers: NFKC, pictographs, markup noise, code-aware repositories, None fields."""

from __future__ import annotations

import uuid

from llm_engineering.application.networks.embeddings import get_embedding_model
from llm_engineering.application.preprocessing import CleaningDispatcher
from llm_engineering.application.preprocessing.chunking_data_handlers import ArticleChunkingHandler
from llm_engineering.application.preprocessing.code_cleaning import clean_repository_files
from llm_engineering.application.preprocessing.markup import clean_markdown
from llm_engineering.application.preprocessing.text_normalization import normalize_unicode
from llm_engineering.domain.cleaned_documents import CleanedArticleDocument, CleanedRepositoryDocument
from llm_engineering.domain.documents import ArticleDocument, PostDocument, RepositoryDocument

AUTHOR = {"author_id": uuid.UUID("11111111-2222-4333-8444-555555555555"), "author_full_name": "Ada Lovelace"}


def _unknown_tokens(text: str) -> int:
    tokenizer = get_embedding_model().tokenizer
    return tokenizer(text, add_special_tokens=False)["input_ids"].count(tokenizer.unk_token_id)


def test_styled_letters_and_glued_emoji_become_known_words() -> None:
    raw = "𝗯𝗼𝗹𝗱 𝘪𝘵𝘢𝘭𝘪𝘤 💪power 🔥🔥 ↳🔗 Lesson 𝟭 ∙ next 👋🏼 1️⃣ done"
    assert _unknown_tokens(raw) > 5  # the problem is real
    cleaned = normalize_unicode(raw)
    assert _unknown_tokens(cleaned) == 0
    assert "bold italic" in cleaned and "power" in cleaned.split() and "Lesson 1" in cleaned


def test_markup_noise_goes_words_stay() -> None:
    text = normalize_unicode(
        "Share this post\n\nCopy link\n\n# Title\n\n![logo](https://x.io/a.png)\n\n"
        "Read [the **guide**](https://x.io/g?a=(1)) at https://x.io/page now. Use `my_var->next` and 3.14.\n\n"
        "🎉🎉🎉\n\n* __\n\n* * *\n\nShare this post\n\n    if x:\n        call(https://keep.me/in/code)\n\n"
        "The end, really!"
    )
    cleaned = clean_markdown(text)
    assert "Read the guide at now." in cleaned.replace("  ", " ")
    assert "my_var->next" in cleaned and "3.14" in cleaned
    assert "https://x.io" not in cleaned and "png" not in cleaned and "Share this post" not in cleaned
    assert "if x:\n    call(https://keep.me/in/code)" in cleaned  # code blocks are left as they are
    assert "🎉" not in cleaned and "* * *" not in cleaned and "The end, really!" in cleaned


def test_a_long_menu_list_is_dropped_but_a_short_list_stays() -> None:
    menu = "\n\n".join(f"* [Menu entry {i}](/section-{i})" for i in range(12))
    one_block = "\n".join(f"* [Topic {i}](https://site.example/t/{i})" for i in range(11))
    cleaned = clean_markdown(f"Intro sentence.\n\n{menu}\n\n{one_block}\n\n* first point\n* second point\n\nOutro.")
    assert "Menu entry" not in cleaned and "Topic" not in cleaned and "* first point\n* second point" in cleaned


def test_a_readme_feature_list_is_content_not_a_menu() -> None:
    features = "\n".join(f"- Feature number {i}" for i in range(10))
    one_per_paragraph = "\n\n".join(f"* Step {i}" for i in range(12))
    cleaned = clean_markdown(f"# Tool\n\nFeatures:\n\n{features}\n\nSteps:\n\n{one_per_paragraph}\n")
    assert features in cleaned and "* Step 0" in cleaned and "* Step 11" in cleaned


def test_section_headings_named_in_a_topic_list_stay_and_repeated_headings_go() -> None:
    # A newsletter lists its sections first, then opens each one with a heading of the same words.
    topics = "### This week's topics:\n\n* Pulumi for infrastructure\n\n* Monitoring models in production"
    pulumi, monitoring = "Pulumi writes infrastructure in Python. " * 60, "Watch the model's metrics. " * 60
    sections = f"### Pulumi for infrastructure\n\n{pulumi}\n\n### Monitoring models in production\n\n{monitoring}"
    cleaned = clean_markdown(f"# Issue 12\n\n{topics}\n\n{sections}\n\n### Monitoring models in production\n\nShare")
    assert "### Pulumi for infrastructure\n\nPulumi writes" in cleaned
    assert "### Monitoring models in production\n\nWatch the model" in cleaned
    assert cleaned.count("### Monitoring models in production") == 1  # a heading repeated later goes, once
    assert cleaned.count("* Monitoring models in production") == 1 and "Share" not in cleaned
    # The chunk of a section carries that section's heading in its context line.
    document = CleanedArticleDocument(content=cleaned, platform="substack", link="https://example.com/i12", **AUTHOR)
    chunks = ArticleChunkingHandler().chunk(document)
    last = chunks[-1]
    assert "Watch the model" in last.content and "Pulumi" not in last.content
    assert last.metadata["context"] == "Issue 12 > Monitoring models in production"


def test_identifiers_keep_their_underscores_while_emphasis_goes() -> None:
    cleaned = clean_markdown(
        "Override __init__ and `__repr__`, keep _private helpers, call snake_case_names, read my__dunder__ "
        "and __all__. This is _italic_ and **bold**."
    )
    for identifier in ("__init__", "__repr__", "_private", "snake_case_names", "my__dunder__", "__all__"):
        assert identifier in cleaned, identifier
    assert "This is italic and bold." in cleaned


def test_code_files_named_like_licences_are_code_and_extensionless_build_files_are_code() -> None:
    files = {
        "license_check.py": "def check(text):\n    return 'MIT' in text  # copyright header scan\n",
        "src/notice.ts": "export const notice = (m: string) => console.log(m);\n",
        "copying.c": "int copy(int *a, int *b) { *a = *b; return 0; }\n",
        "LICENSE": "MIT License\n\nCopyright (c) 2024 Ada\n\nPermission is hereby granted...\n",
        "COPYING.md": "GNU General Public License v3\n",
        "Dockerfile": "FROM python:3.11-slim\nRUN pip install  -r requirements.txt\n",
        "Makefile": "test:\n\tpytest -q  # run *all* tests\n",
        "bin/deploy": '#!/usr/bin/env bash\nset -euo pipefail\necho "__deploy__ *now*"\n',
    }
    text, fates = clean_repository_files(files)
    assert fates["license"] == 2 and fates["kept"] == 6
    for path in ("license_check.py", "src/notice.ts", "copying.c", "Dockerfile", "Makefile", "bin/deploy"):
        assert f"==> {path} <==\n{files[path].rstrip()}" in text, path  # byte for byte: code is not prose
    assert "Permission is hereby" not in text and "GNU General" not in text


def test_repository_cleaning_keeps_code_as_code() -> None:
    cpp = (
        "// Copyright 2024 Ada. Licensed under the MIT License.\n// SPDX-License-Identifier: MIT\n\n"
        "#include <vector>\n\nclass Node {\n  public:\n    Node* next;\n    int value() const { return v_; }\n};\n\n"
        "auto add = [](int a, int b) -> int {\n\treturn a + b;\n};\n"
    )
    repository = RepositoryDocument(
        content={
            "src/node.cpp": cpp,
            "LICENSE": "Permission is hereby granted...",
            "web/app.min.js": "function a(){return 1};" * 200,
            "package-lock.json": '{"lockfileVersion": 3}',
            "gen/api.py": "# Code generated by protoc. DO NOT EDIT.\nx = 1\n",
            "README.md": "# Node\n\nA C++ list. Docs: https://example.com",
            "notes.txt": None,
        },
        name="node",
        link="https://github.com/ada/node",
        platform="github",
        **AUTHOR,
    )
    cleaned = CleaningDispatcher.dispatch(repository)
    assert isinstance(cleaned, CleanedRepositoryDocument)
    text = cleaned.content
    assert "class Node {\n  public:\n    Node* next;" in text
    assert "-> int {\n\treturn a + b;\n};" in text and "#include <vector>" in text
    assert "A C++ list." in text and "==> src/node.cpp <==" in text
    for gone in ("Copyright", "Permission is hereby", "function a()", "lockfileVersion", "protoc", "example.com"):
        assert gone not in text, gone


def test_none_and_missing_fields_never_crash() -> None:
    article = ArticleDocument(content={"Title": None, "Content": None}, platform="", link="l", **AUTHOR)
    post = PostDocument(content={}, platform="linkedin", image=None, link=None, **AUTHOR)
    post_odd = PostDocument(content={"Post": 42, "extra": ["x"]}, platform="linkedin", **AUTHOR)
    repository = RepositoryDocument(content={"a.py": None, "b.py": ""}, name="r", link="r", platform="github", **AUTHOR)
    for document in (article, post, post_odd, repository):
        cleaned = CleaningDispatcher.dispatch(document)
        assert cleaned.content == "" and cleaned.id == document.id and cleaned.content_hash


def test_article_title_and_content_hash() -> None:
    article = ArticleDocument(
        content={"Title": "𝗧𝗶𝘁𝗹𝗲", "Subtitle": "Sub", "Content": "Body text.", "language": "en"},
        platform="medium",
        link="https://example.com/a",
        **AUTHOR,
    )
    first = CleaningDispatcher.dispatch(article)
    assert isinstance(first, CleanedArticleDocument)
    assert first.content == "# Title\n\nSub\n\nBody text."
    assert CleaningDispatcher.dispatch(article).content_hash == first.content_hash
    article.content["Content"] = "Other body."
    assert CleaningDispatcher.dispatch(article).content_hash != first.content_hash
