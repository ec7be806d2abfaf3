"""The engines without network: error mapping, retry-after, the factory and the offline engine."""

from __future__ import annotations

import email.utils

import anthropic
import httpx2
import pytest

from seojobs.adapters.llm.claude import ClaudeEngine
from seojobs.adapters.llm.errors import map_api_error, retry_after_seconds
from seojobs.adapters.llm.factory import make_engine
from seojobs.adapters.llm.offline import OfflineEngine
from seojobs.domain.analysis.digest import IssueRow, build_digest
from seojobs.domain.analysis.knowledge import offline_recommendations
from seojobs.domain.errors import PermanentError, RetryableError, ValidationFailed
from seojobs.ports.llm import TOKEN_KEYS, AnalysisEngine

MODEL = "claude-test-model"
REQUEST = httpx2.Request("POST", "https://api.anthropic.com/v1/messages")


def status_error(status: int, kind: str, message: str, **headers: str) -> anthropic.APIStatusError:
    """Return the error the SDK raises for a response with this status and error JSON."""
    body = {"type": "error", "error": {"type": kind, "message": message}}
    response = httpx2.Response(status, headers=headers, json=body, request=REQUEST)
    client = anthropic.Anthropic(api_key="unused", base_url="http://127.0.0.1:18299")
    error = client._make_status_error_from_response(response)
    client.close()
    return error


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "12"}, 12.0),
        ({"retry-after": "1.5"}, 1.5),
        ({"retry-after": "-3"}, 0.0),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after": "30", "retry-after-ms": "5"}, 30.0),
        ({"retry-after": "soon"}, None),
        ({"retry-after-ms": "x"}, None),
        ({}, None),
    ],
)
def test_retry_after_is_read_from_the_headers(headers: dict[str, str], expected: float | None) -> None:
    assert retry_after_seconds(headers) == expected


def test_retry_after_as_an_http_date() -> None:
    now = 1_700_000_000.0
    date = email.utils.formatdate(now + 42, usegmt=True)
    assert retry_after_seconds({"retry-after": date}, now=now) == pytest.approx(42.0)


@pytest.mark.parametrize(
    ("status", "kind", "delay"),
    [
        (429, "rate_limit_error", 3.0),
        (529, "overloaded_error", 3.0),
        (500, "api_error", 3.0),
        (503, "api_error", None),
        (408, "timeout_error", None),
    ],
)
def test_transient_statuses_are_retryable_with_the_servers_delay(
    status: int, kind: str, delay: float | None
) -> None:
    headers = {"retry-after": "3"} if delay is not None else {}
    failure = map_api_error(status_error(status, kind, "try later", **headers), MODEL)
    assert isinstance(failure, RetryableError)
    assert failure.delay_s == delay
    assert f"{status} {kind}: try later" in failure.message
    assert failure.details["status"] == status


@pytest.mark.parametrize(
    ("status", "kind", "expected"),
    [
        (400, "invalid_request_error", "rejected the request (400 invalid_request_error: bad)"),
        (401, "authentication_error", "ANTHROPIC_API_KEY is invalid"),
        (403, "permission_error", "may not use this API or model 'claude-test-model'"),
        (404, "not_found_error", "model 'claude-test-model' not found; check ANTHROPIC_MODEL"),
        (413, "request_too_large", "refused the request (413"),
    ],
)
def test_client_errors_are_permanent_with_an_actionable_message(
    status: int, kind: str, expected: str
) -> None:
    failure = map_api_error(status_error(status, kind, "bad"), MODEL, {"messages": ()})
    assert isinstance(failure, PermanentError)
    assert expected in failure.message
    assert failure.details["messages"] == ()


def test_connection_failures_and_timeouts_are_retryable() -> None:
    timeout = map_api_error(anthropic.APITimeoutError(request=REQUEST), MODEL)
    refused = map_api_error(anthropic.APIConnectionError(request=REQUEST), MODEL)
    assert isinstance(timeout, RetryableError)
    assert isinstance(refused, RetryableError)
    assert timeout.delay_s is None
    assert "could not reach" in refused.message


def test_other_sdk_failures_are_permanent() -> None:
    failure = map_api_error(anthropic.AnthropicError("odd"), MODEL)
    assert isinstance(failure, PermanentError)


@pytest.mark.parametrize("api_key", [None, "", "   "])
def test_the_factory_goes_offline_without_a_key(api_key: str | None) -> None:
    engine = make_engine(api_key, MODEL)
    assert isinstance(engine, OfflineEngine)
    assert engine.name == "offline"


async def test_the_factory_builds_claude_with_a_key() -> None:
    engine: AnalysisEngine = make_engine("sk-test", MODEL, 1000, 5.0, "http://127.0.0.1:18298", 0)
    assert isinstance(engine, ClaudeEngine)
    assert engine.name == "claude"
    assert engine.model == MODEL
    await engine.aclose()


@pytest.mark.parametrize(
    ("model", "max_tokens", "timeout_s", "max_retries"),
    [(" ", 100, 1.0, 0), (MODEL, 0, 1.0, 0), (MODEL, 100, 0.0, 0), (MODEL, 100, 1.0, -1)],
)
def test_the_factory_refuses_bad_settings(
    model: str, max_tokens: int, timeout_s: float, max_retries: int
) -> None:
    with pytest.raises(ValidationFailed):
        make_engine("sk-test", model, max_tokens, timeout_s, None, max_retries)


async def test_the_offline_engine_answers_from_the_knowledge_base() -> None:
    rows = [IssueRow("noindex", "high", f"https://a.test/{n}", "meta robots") for n in range(3)]
    digest = build_digest(rows, pages_count=3, site_url="https://a.test", token_budget=500)
    engine = OfflineEngine()
    answer = await engine.recommend(digest)
    assert answer.engine == "offline"
    assert answer.model is None
    assert answer.messages == ()
    assert answer.tokens == dict.fromkeys(TOKEN_KEYS, 0)
    assert list(answer.recommendations) == offline_recommendations(digest)
    assert await engine.recommend(digest) == answer
    await engine.aclose()
