"""`python -m tools.doctor` finds every kind of drift between the warehouse and the feature store."""

from __future__ import annotations

import json

from click.testing import CliRunner

from llm_engineering.domain.base.vector import document_filter
from llm_engineering.domain.cleaned_documents import CleanedArticleDocument
from llm_engineering.domain.documents import ArticleDocument, RepositoryDocument
from llm_engineering.domain.embedded_chunks import EmbeddedPostChunk
from tests.feature.conftest import AUTHOR, AUTHOR_ID, run_feature_pipeline


def doctor(*args: str) -> tuple[int, str]:
    from tools.doctor import main

    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_doctor_reports_each_finding_and_exits_1_until_fixed(warehouse: dict) -> None:
    run_feature_pipeline()
    code, output = doctor()
    assert code == 0 and "OK: the feature store matches the warehouse." in output

    article, post, repository = warehouse["article"], warehouse["post"], warehouse["repository"]
    ArticleDocument(  # missing: never processed
        content={"Content": "A brand new article."},
        platform="blog",
        author_id=AUTHOR_ID,
        author_full_name=AUTHOR,
        link="https://example.com/new",
    ).save()
    article.content = {"Title": "Vectors", "Content": "Rewritten since."}  # stale
    article.save()
    RepositoryDocument.delete(_id=repository.id)  # orphaned: its cleaned document and chunks remain
    EmbeddedPostChunk.set_payload(document_filter(post.id), {"author_full_name": "Someone Else"})  # wrong author
    CleanedArticleDocument.set_payload([article.id], {"fingerprint": "v1|another-model|256"})  # wrong model

    code, output = doctor("--json")
    assert code == 1
    report = json.loads(output)
    counts = report["counts"]
    assert counts["missing"] == 1 and counts["wrong_model"] == 1 and counts["wrong_author"] == 1
    assert counts["orphaned"] >= 2  # the repository's cleaned document and its chunks
    assert counts["stale"] == 0  # the article counts as wrong_model, its stronger finding
    assert (
        report["examples"]["wrong_author"][0]["detail"]
        == f"stored under 'Someone Else', the warehouse says {post.author_full_name!r}"
    )

    code, output = doctor()
    assert code == 1 and "--full-rebuild" in output and "Inconsistent" in output

    run_feature_pipeline(full_rebuild=True)
    code, output = doctor()
    assert code == 0, output


def test_doctor_reports_stale_documents(warehouse: dict) -> None:
    run_feature_pipeline()
    article = warehouse["article"]
    article.content = {"Title": "Vectors", "Content": "Rewritten since."}
    article.save()
    code, output = doctor("--json")
    assert code == 1 and json.loads(output)["counts"] == {
        "missing": 0,
        "stale": 1,
        "orphaned": 0,
        "wrong_author": 0,
        "wrong_model": 0,
    }
    run_feature_pipeline()
    assert doctor()[0] == 0
