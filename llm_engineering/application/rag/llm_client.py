"""A minimal client for an OpenAI-compatible chat endpoint (a hosted API or a local server).

Configured by LLM_BASE_URL (for example `http://127.0.0.1:8080/v1`), LLM_API_KEY and LLM_MODEL.
Every failure (refused connection, timeout, HTTP error, a body that is not a chat completion) is one
exception type, so callers can degrade gracefully.
"""

from __future__ import annotations

from typing import Any

import httpx

from llm_engineering.domain.exceptions import LLMTwinException
from llm_engineering.settings import get_settings


class LLMUnavailable(LLMTwinException):
    """The chat endpoint could not give an answer."""


class ChatClient:
    def __init__(self, base_url: str, model: str, api_key: str | None = None, timeout_s: float = 20.0) -> None:
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.timeout_s = timeout_s
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}

    @classmethod
    def from_settings(cls) -> ChatClient | None:
        """The configured client, or None when no endpoint is configured (the LLM features are off)."""
        settings = get_settings()
        if not settings.LLM_BASE_URL:
            return None
        return cls(settings.LLM_BASE_URL, settings.LLM_MODEL or "default", settings.LLM_API_KEY, settings.LLM_TIMEOUT_S)

    def complete(self, system: str, user: str, temperature: float = 0.0) -> str:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
            "temperature": temperature,
        }
        try:
            response = httpx.post(self.url, json=body, headers=self._headers, timeout=self.timeout_s)
            response.raise_for_status()
            content = response.json()["choices"][0]["message"]["content"]
        except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError) as error:
            raise LLMUnavailable(f"{self.url}: {type(error).__name__}: {error}") from None
        if not isinstance(content, str):
            raise LLMUnavailable(f"{self.url}: the answer holds no text")
        return content
