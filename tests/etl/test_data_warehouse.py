"""Warehouse backup and restore: round trip, idempotent upsert, malformed files rejected whole."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from llm_engineering.domain.documents import ArticleDocument, PostDocument, RepositoryDocument, UserDocument
from llm_engineering.domain.exceptions import InvalidBackup
from tools.data_warehouse import DEFAULT_DATA_DIR, export_raw_data, import_raw_data
from tools.sample_site import load_articles

REPO_ROOT = Path(__file__).resolve().parents[2]
FILES = ["UserDocument.json", "ArticleDocument.json", "PostDocument.json", "RepositoryDocument.json"]


def _seed() -> UserDocument:
    user = UserDocument.get_or_create(first_name="Ada", last_name="Quill")
    for index in range(3):
        ArticleDocument(
            content={"Title": f"T{index}", "Subtitle": None, "Content": f"Body {index}  kept\n", "language": "en"},
            platform="medium",
            author_id=user.id,
            author_full_name=user.full_name,
            link=f"https://medium.com/@ada/story-{index}",
        ).save()
    RepositoryDocument(
        content={"README.md": "# hi  \n", "src/a.py": "x = 1\n"},
        platform="github",
        author_id=user.id,
        author_full_name=user.full_name,
        name="repo",
        link="https://github.com/ada/repo",
    ).save()
    post = PostDocument(content={"text": "a post"}, platform="linkedin", author_id=user.id, author_full_name="Ada")
    post.save()
    return user


def _snapshot() -> dict[str, list[dict]]:
    return {
        cls.__name__: sorted((d.to_mongo() for d in cls.bulk_find()), key=lambda d: d["_id"])
        for cls in (UserDocument, ArticleDocument, PostDocument, RepositoryDocument)
    }


def _wipe() -> None:
    for cls in (UserDocument, ArticleDocument, PostDocument, RepositoryDocument):
        cls.delete()


def test_export_import_round_trip_and_idempotent_reimport(mongo_db: str, tmp_path: Path) -> None:
    _seed()
    before = _snapshot()
    counts = export_raw_data(tmp_path)
    assert counts == dict(zip(FILES, [1, 3, 1, 1], strict=True))
    records = json.loads((tmp_path / "ArticleDocument.json").read_text())
    assert all(isinstance(r["_id"], str) and "id" not in r for r in records)

    _wipe()
    first = import_raw_data(tmp_path)
    assert first["ArticleDocument.json"] == {"records": 3, "inserted": 3, "replaced": 0}
    assert _snapshot() == before
    second = import_raw_data(tmp_path)
    assert second["ArticleDocument.json"] == {"records": 3, "inserted": 0, "replaced": 3}
    assert _snapshot() == before  # importing twice changes nothing


def _backup(tmp_path: Path, articles: list) -> Path:
    folder = tmp_path / "backup"
    folder.mkdir()
    user_id = str(uuid.uuid4())
    (folder / "UserDocument.json").write_text(json.dumps([{"_id": user_id, "first_name": "Ada", "last_name": "Quill"}]))
    (folder / "ArticleDocument.json").write_text(json.dumps(articles) if not isinstance(articles, str) else articles)
    return folder


def _article(link: str, **overrides: object) -> dict:
    record = {
        "_id": str(uuid.uuid4()),
        "content": {"Title": "t", "Content": "c"},
        "platform": "medium",
        "author_id": str(uuid.uuid4()),
        "author_full_name": "Ada Quill",
        "link": link,
    }
    record.update(overrides)
    return record


@pytest.mark.parametrize(
    ("articles", "message"),
    [
        ("[{not json", r"ArticleDocument.json: not valid JSON \(Expecting property name"),
        ('{"_id": "x"}', r"ArticleDocument.json: expected a JSON list of records, found dict"),
        ([_article("https://a.io/1"), "oops"], r"ArticleDocument.json record 1: expected an object, found str"),
        ([_article("https://a.io/1"), {"content": {}}], r"ArticleDocument.json record 1: missing or non-string '_id'"),
        (
            [_article("https://a.io/1"), _article("https://a.io/2"), _article("https://a.io/3", author_id="nope")],
            r"ArticleDocument.json record 2 \(_id [0-9a-f-]+\): author_id: .*UUID",
        ),
        (
            [_article("https://a.io/1"), _article("https://a.io/2", content="just text")],
            r"record 1 \(_id [0-9a-f-]+\): content: Input should be a valid dictionary",
        ),
        ([_article("https://a.io/1"), _article("https://a.io/1")], r"record 1 .*: the same link as record 0"),
    ],
)
def test_malformed_backups_import_nothing(mongo_db: str, tmp_path: Path, articles: object, message: str) -> None:
    folder = _backup(tmp_path, articles)
    with pytest.raises(InvalidBackup, match=message):
        import_raw_data(folder)
    # Not even the valid UserDocument.json, nor the valid records before the bad one.
    assert UserDocument.estimated_count() == 0 and ArticleDocument.estimated_count() == 0


def test_record_clashing_with_a_stored_link_is_rejected(mongo_db: str, tmp_path: Path) -> None:
    _seed()
    folder = _backup(tmp_path, [_article("https://new.io/x"), _article("https://medium.com/@ada/story-1")])
    (folder / "UserDocument.json").unlink()
    before = _snapshot()
    with pytest.raises(InvalidBackup, match=r"record 1 .*'https://medium.com/@ada/story-1' is already stored"):
        import_raw_data(folder)
    assert _snapshot() == before


def test_record_with_another_spelling_of_a_stored_link_is_rejected_and_links_are_kept_as_written(
    mongo_db: str, tmp_path: Path
) -> None:
    _seed()
    spelled = "https://medium.com/@ada/story-1?source=rss----feed"
    folder = _backup(tmp_path, [_article(spelled)])
    (folder / "UserDocument.json").unlink()
    before = _snapshot()
    with pytest.raises(InvalidBackup, match=r"record 0 .*another spelling of a link already stored"):
        import_raw_data(folder)
    assert _snapshot() == before
    # Into an empty warehouse it imports, its link exactly as written.
    ArticleDocument.delete()
    import_raw_data(folder)
    assert [document.link for document in ArticleDocument.bulk_find()] == [spelled]


def test_cli_rejects_a_malformed_backup_with_file_and_record(mongo_server: str, mongo_db: str, tmp_path: Path) -> None:
    folder = _backup(tmp_path, [_article("https://a.io/1"), _article("https://a.io/2", platform=None)])
    env = {**os.environ, "DATABASE_HOST": mongo_server, "DATABASE_NAME": mongo_db}
    command = [sys.executable, "-m", "tools.data_warehouse", "--import-raw-data", "--data-dir", str(folder)]
    result = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "Invalid backup, nothing imported:" in result.stderr
    assert f"{folder / 'ArticleDocument.json'} record 1" in result.stderr and "platform" in result.stderr
    assert UserDocument.estimated_count() == 0


def test_shipped_sample_warehouse_imports_and_matches_the_sample_articles(mongo_db: str) -> None:
    counts = import_raw_data(DEFAULT_DATA_DIR)
    assert {name: c["records"] for name, c in counts.items()} == {
        "UserDocument.json": 1,
        "ArticleDocument.json": 8,
        "PostDocument.json": 0,
        "RepositoryDocument.json": 1,
    }
    user = UserDocument.find(first_name="Ada", last_name="Quill")
    articles = {a.content["Title"]: a for a in ArticleDocument.bulk_find()}
    for source in load_articles():
        stored = articles[source.title]
        assert stored.author_id == user.id
        if source.kind in ("medium", "substack"):
            assert stored.content["Content"] == source.content
        else:
            assert all(text in stored.content["Content"] for tag, text in source.blocks if tag == "p")
    repository = RepositoryDocument.find(name="tinybloom")
    expected = {
        path.relative_to(REPO_ROOT / "data" / "sample_repo").as_posix(): path.read_text()
        for path in (REPO_ROOT / "data" / "sample_repo").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert repository is not None and repository.content == expected


def test_handbook_corpus_imports_unchanged(mongo_db: str, shared_corpus: Path, tmp_path: Path) -> None:
    counts = import_raw_data(shared_corpus)
    assert counts["ArticleDocument.json"] == {"records": 76, "inserted": 76, "replaced": 0}
    assert counts["UserDocument.json"]["records"] == 2
    assert import_raw_data(shared_corpus)["ArticleDocument.json"] == {"records": 76, "inserted": 0, "replaced": 76}
    # Export gives back the same records, field for field.
    export_raw_data(tmp_path)
    for name in FILES:
        original = sorted(json.loads((shared_corpus / name).read_text()), key=lambda r: r["_id"])
        exported = sorted(json.loads((tmp_path / name).read_text()), key=lambda r: r["_id"])
        assert exported == original, name


def test_export_without_data_dir_writes_a_new_timestamped_backup_under_home(
    mongo_server: str, mongo_db: str, tmp_path: Path
) -> None:
    _seed()
    home = tmp_path / "home"
    env = {**os.environ, "DATABASE_HOST": mongo_server, "DATABASE_NAME": mongo_db, "MOODSWARM_HOME": str(home)}
    sample_before = {p.name: p.read_bytes() for p in DEFAULT_DATA_DIR.glob("*.json")}
    command = [sys.executable, "-m", "tools.data_warehouse", "--export-raw-data"]
    for _ in range(2):
        result = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
    backups = sorted((home / "backups").iterdir())
    assert len(backups) == 2  # two exports, two folders: neither overwrote the other
    for folder in backups:
        assert len(json.loads((folder / "ArticleDocument.json").read_text())) == 3
    assert {p.name: p.read_bytes() for p in DEFAULT_DATA_DIR.glob("*.json")} == sample_before  # shipped sample intact


def test_export_refuses_to_shrink_a_bigger_backup_without_force(
    mongo_server: str, mongo_db: str, tmp_path: Path
) -> None:
    _seed()
    export_raw_data(tmp_path)  # 6 records
    ArticleDocument.delete()
    before = {p.name: p.read_bytes() for p in tmp_path.glob("*.json")}
    env = {**os.environ, "DATABASE_HOST": mongo_server, "DATABASE_NAME": mongo_db}
    command = [sys.executable, "-m", "tools.data_warehouse", "--export-raw-data", "--data-dir", str(tmp_path)]
    refused = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1
    assert "Nothing exported" in refused.stderr and "holds a backup of 6 records" in refused.stderr
    assert "--force" in refused.stderr and "Traceback" not in refused.stderr
    assert {p.name: p.read_bytes() for p in tmp_path.glob("*.json")} == before  # untouched

    forced = subprocess.run([*command, "--force"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert forced.returncode == 0, forced.stderr
    assert json.loads((tmp_path / "ArticleDocument.json").read_text()) == []


def test_backups_keep_the_reference_format_and_users_stay_unique_ignoring_case(mongo_db: str, tmp_path: Path) -> None:
    _seed()
    export_raw_data(tmp_path)
    users = json.loads((tmp_path / "UserDocument.json").read_text())
    assert [set(user) for user in users] == [{"_id", "first_name", "last_name"}]  # name_key is derived, not dumped
    users[0]["_id"], users[0]["first_name"], users[0]["last_name"] = str(uuid.uuid4()), "ada", "QUILL"
    (tmp_path / "UserDocument.json").write_text(json.dumps(users))
    before = _snapshot()
    with pytest.raises(InvalidBackup, match="already stored as another document"):
        import_raw_data(tmp_path)
    assert _snapshot() == before
