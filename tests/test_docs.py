"""The docs the project promises exist and point at real files."""

from __future__ import annotations

import re

from llm_engineering.settings import REPO_ROOT

INTERVIEW = REPO_ROOT / "interview" / "INTERVIEW_QUESTIONS.md"
ARCHITECTURE = REPO_ROOT / "docs" / "architecture.md"


def test_interview_questions_are_many_and_point_at_files_that_exist() -> None:
    text = INTERVIEW.read_text(encoding="utf-8")
    questions = re.findall(r"^\*\*(\d+)\. .+\?\*\*$", text, flags=re.MULTILINE)
    assert len(questions) >= 41 and questions == [str(n) for n in range(1, len(questions) + 1)]
    answers = re.split(r"^\*\*\d+\. ", text, flags=re.MULTILINE)[1:]
    for number, answer in enumerate(answers, start=1):
        pointers = re.findall(r"→ (`.+)$", answer, flags=re.MULTILINE)  # the answer's last line names its files
        paths = re.findall(r"`([^`]+)`", pointers[-1]) if pointers else []
        assert paths, f"question {number} points at no file"
        missing = [path for path in paths if not (REPO_ROOT / path).exists()]
        assert not missing, f"question {number} points at missing files {missing}"


def test_architecture_names_real_modules_and_links_the_flow_page() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    assert text.count("```mermaid") >= 5 and "(data_save_flow.html)" in text
    for path in set(re.findall(r"`((?:llm_engineering|pipelines|steps|tools|tests)/[\w/.]+\.py)`", text)):
        assert (REPO_ROOT / path).exists(), path
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/data_save_flow.html" in readme and "docs/architecture.md" in readme
