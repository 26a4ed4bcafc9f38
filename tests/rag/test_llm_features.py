"""Optional LLM features against an OpenAI-compatible endpoint on loopback: working, down, and garbage."""

from __future__ import annotations

import json

import pytest
from loguru import logger

from llm_engineering.application.rag import ContextRetriever
from llm_engineering.settings import reset_settings
from tests.rag.conftest import KnowledgeBase
from tests.rag.fake_llm import chat_completion, closed_port, fake_chat_server


@pytest.fixture
def warnings_logged() -> list[str]:
    messages: list[str] = []
    sink = logger.add(lambda message: messages.append(str(message)), level="WARNING")
    yield messages
    logger.remove(sink)


def _configure(monkeypatch: pytest.MonkeyPatch, base_url: str) -> None:
    monkeypatch.setenv("LLM_BASE_URL", base_url)
    monkeypatch.setenv("LLM_API_KEY", "test-key")
    monkeypatch.setenv("LLM_MODEL", "tiny-chat")
    monkeypatch.setenv("LLM_TIMEOUT_S", "3")
    reset_settings()


def test_llm_off_when_not_configured(knowledge_base: KnowledgeBase) -> None:
    retriever = ContextRetriever()
    assert retriever.chat_client is None
    assert retriever.retrieve("graph attention", k=2).queries == ["graph attention"]


def test_expansion_searches_the_rewrites(knowledge_base: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    def answer(request: dict) -> tuple[int, bytes]:
        system = request["messages"][0]["content"]
        if "rewrite" in system:
            return chat_completion("1. checksum helper for ZX81 bytes\n- zx81_checksum function\nzx81 checksum")
        return chat_completion("none")  # the self-query extractor: nobody named

    with fake_chat_server(answer) as (base_url, requests):
        _configure(monkeypatch, base_url)
        result = ContextRetriever().retrieve("that tiny retro computer helper", k=3, expand=2, mode="hybrid")
    assert result.queries == [
        "that tiny retro computer helper",
        "checksum helper for ZX81 bytes",
        "zx81_checksum function",
    ]
    assert "def zx81_checksum" in result.hits[0].content
    assert {request["path"] for request in requests} == {"/v1/chat/completions"}
    assert all(request["authorization"] == "Bearer test-key" for request in requests)
    assert all(request["body"]["model"] == "tiny-chat" for request in requests)


def test_llm_self_query_resolves_only_known_users(knowledge_base: KnowledgeBase, monkeypatch) -> None:  # noqa: ANN001
    names = iter(["Jose Nunez", "Jon Smyth"])

    def answer(request: dict) -> tuple[int, bytes]:
        if "rewrite" in request["messages"][0]["content"]:
            return chat_completion("")
        return chat_completion(next(names))

    with fake_chat_server(answer) as (base_url, _):
        _configure(monkeypatch, base_url)
        retriever = ContextRetriever()
        found = retriever.retrieve("what does the spanish author say about graphs", k=3, expand=0)
        missing = retriever.retrieve("what does the other author say about graphs", k=3, expand=0)
    assert found.author.full_name == "José Núñez" and found.author_source == "llm"
    assert {hit.author_full_name for hit in found.hits} == {"José Núñez"}
    assert missing.author is None and len(missing.hits) == 3


def test_endpoint_down_still_answers(knowledge_base: KnowledgeBase, monkeypatch, warnings_logged) -> None:  # noqa: ANN001
    _configure(monkeypatch, f"http://127.0.0.1:{closed_port()}/v1")
    result = ContextRetriever().retrieve("graph attention network", k=3, expand=3)
    assert result.queries == ["graph attention network"]
    assert len(result.hits) == 3 and result.hits[0].content.startswith("A graph attention network")
    assert any("Query expansion skipped" in message for message in warnings_logged)


@pytest.mark.parametrize(
    "reply",
    [
        (200, b"<html>not json</html>"),
        (200, json.dumps({"choices": []}).encode()),
        (200, json.dumps({"choices": [{"message": {"content": None}}]}).encode()),
        (500, b'{"error": "boom"}'),
    ],
)
def test_garbage_answers_degrade_to_the_original_query(
    knowledge_base: KnowledgeBase, monkeypatch: pytest.MonkeyPatch, warnings_logged: list[str], reply
) -> None:  # noqa: ANN001
    with fake_chat_server(lambda _: reply) as (base_url, requests):
        _configure(monkeypatch, base_url)
        result = ContextRetriever().retrieve("graph attention network", k=2, expand=2)
    assert result.queries == ["graph attention network"] and result.author is None
    assert len(result.hits) == 2 and requests
    assert any("skipped" in message for message in warnings_logged)
