"""The Claude engine through the real AsyncAnthropic SDK against the local fake Messages API."""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator, Callable, Iterator

import pytest

from seojobs.adapters.llm.claude import ClaudeEngine
from seojobs.adapters.llm.factory import make_engine
from seojobs.domain.analysis.digest import Digest, IssueRow, build_digest, estimate_tokens
from seojobs.domain.analysis.prompt import SYSTEM_PROMPT, TOOL_NAME
from seojobs.domain.analysis.recommendation import RECOMMENDATIONS_SCHEMA
from seojobs.domain.analysis.rule_ids import RULE_IDS, SEVERITIES
from seojobs.domain.errors import PermanentError, RetryableError
from tests.fakes.anthropic_server import (
    PORTS,
    FakeAnthropicServer,
    invalid_answer,
    not_found,
    overloaded,
    rate_limited,
    rules_in,
    server_error,
    text_answer,
    unauthorized,
)

pytestmark = pytest.mark.integration

MODEL = "claude-test-model"
SITE = "https://shop.example.com"

EngineFactory = Callable[..., ClaudeEngine]


def site_digest(issues: int = 40, budget: int = 4000) -> Digest:
    """Return the digest of a site with issues over every rule."""
    rows = [
        IssueRow(
            rule=RULE_IDS[n % len(RULE_IDS)],
            severity=SEVERITIES[n % len(SEVERITIES)],
            url=f"{SITE}/section-{n % 25}/page-{n}",
            evidence=f"evidence for issue {n}: " + "text " * (n % 30),
        )
        for n in range(issues)
    ]
    return build_digest(rows, pages_count=max(1, issues // 2), site_url=SITE, token_budget=budget)


@pytest.fixture
def fake() -> Iterator[FakeAnthropicServer]:
    """The fake Messages API, serving for one test."""
    with FakeAnthropicServer() as server:
        yield server


@pytest.fixture
async def engines(fake: FakeAnthropicServer) -> AsyncIterator[EngineFactory]:
    """Build Claude engines pointed at the fake; close them after the test."""
    made: list[ClaudeEngine] = []

    def factory(max_retries: int = 2, base_url: str | None = None) -> ClaudeEngine:
        engine = make_engine("sk-test", MODEL, 2000, 5.0, base_url or fake.base_url, max_retries)
        assert isinstance(engine, ClaudeEngine)
        made.append(engine)
        return engine

    yield factory
    for engine in made:
        await engine.aclose()


async def test_happy_path_returns_validated_recommendations_and_the_turns(
    fake: FakeAnthropicServer, engines: EngineFactory
) -> None:
    digest = site_digest()
    answer = await engines().recommend(digest)
    assert answer.engine == "claude"
    assert answer.model == MODEL
    assert {r.rule for r in answer.recommendations} == set(digest.rules)
    [request] = fake.requests
    assert request.path == "/v1/messages"
    assert [m.role for m in answer.messages] == ["user", "assistant"]
    assert answer.messages[0].content == request.first_user_text()
    reply = json.loads(answer.messages[1].content)
    assert reply[0]["type"] == "tool_use"
    assert reply[0]["name"] == TOOL_NAME
    assert answer.messages[1].stop_reason == "tool_use"
    assert answer.messages[1].latency_ms is not None
    assert answer.messages[1].input_tokens == answer.tokens["input"] > 0
    assert answer.tokens["output"] == 50


async def test_the_request_forces_the_tool_and_caches_the_system_prompt(
    fake: FakeAnthropicServer, engines: EngineFactory
) -> None:
    engine = engines()
    first = await engine.recommend(site_digest())
    second = await engine.recommend(site_digest())
    body = fake.requests[0].body
    assert body["model"] == MODEL
    assert body["max_tokens"] == 2000
    assert body["system"] == [{"type": "text", "text": SYSTEM_PROMPT, "cache_control": {"type": "ephemeral"}}]
    assert body["tool_choice"]["type"] == "tool"
    assert body["tool_choice"]["name"] == TOOL_NAME
    assert body["tools"] == [
        {
            "name": TOOL_NAME,
            "description": body["tools"][0]["description"],
            "input_schema": RECOMMENDATIONS_SCHEMA,
        }
    ]
    assert first.tokens["cache_creation"] > 0
    assert first.tokens["cache_read"] == 0
    assert second.tokens["cache_read"] == first.tokens["cache_creation"]
    assert second.tokens["cache_creation"] == 0


async def test_a_rate_limit_once_is_retried_by_the_sdk(
    fake: FakeAnthropicServer, engines: EngineFactory
) -> None:
    fake.script(rate_limited(retry_after="0", retry_after_ms="1"))
    answer = await engines(max_retries=2).recommend(site_digest())
    assert answer.recommendations
    assert len(fake.requests) == 2
    assert fake.requests[0].body == fake.requests[1].body


async def test_overload_past_the_sdk_retries_is_retryable_with_the_servers_delay(
    fake: FakeAnthropicServer, engines: EngineFactory
) -> None:
    engine = engines(max_retries=1)
    fake.script(overloaded(retry_after="7"), overloaded(retry_after="7"))
    with pytest.raises(RetryableError) as caught:
        await engine.recommend(site_digest())
    assert caught.value.delay_s == 7.0
    assert "529 overloaded_error" in caught.value.message
    assert len(fake.requests) == 2
    answer = await engine.recommend(site_digest())
    assert answer.recommendations
    assert len(fake.requests) == 3


async def test_server_errors_past_the_sdk_retries_are_retryable(
    fake: FakeAnthropicServer, engines: EngineFactory
) -> None:
    fake.script(server_error(), server_error())
    with pytest.raises(RetryableError, match="500 api_error"):
        await engines(max_retries=1).recommend(site_digest())
    assert len(fake.requests) == 2


async def test_an_invalid_key_is_permanent_and_not_retried(
    fake: FakeAnthropicServer, engines: EngineFactory
) -> None:
    fake.script(unauthorized())
    with pytest.raises(PermanentError, match="ANTHROPIC_API_KEY is invalid"):
        await engines(max_retries=2).recommend(site_digest())
    assert len(fake.requests) == 1


async def test_an_unknown_model_is_permanent(fake: FakeAnthropicServer, engines: EngineFactory) -> None:
    fake.script(not_found(MODEL))
    with pytest.raises(PermanentError, match=f"model '{MODEL}' not found; check ANTHROPIC_MODEL"):
        await engines().recommend(site_digest())


def closed_port() -> int:
    """Return a port of our range that nothing listens on."""
    for port in reversed(PORTS):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("every port of the range is in use")


async def test_an_unreachable_api_is_retryable(engines: EngineFactory) -> None:
    port = closed_port()
    with pytest.raises(RetryableError, match="could not reach the Anthropic API"):
        await engines(max_retries=0, base_url=f"http://127.0.0.1:{port}").recommend(site_digest())


async def test_malformed_output_gets_exactly_one_repair_request(
    fake: FakeAnthropicServer, engines: EngineFactory
) -> None:
    fake.script(invalid_answer())
    answer = await engines().recommend(site_digest())
    assert answer.recommendations
    assert len(fake.requests) == 2
    repair = fake.requests[1].body["messages"]
    assert [turn["role"] for turn in repair] == ["user", "assistant", "user"]
    assert repair[0] == fake.requests[0].body["messages"][0]
    tool_use = repair[1]["content"][0]
    assert tool_use["type"] == "tool_use"
    [result] = repair[2]["content"]
    assert result["type"] == "tool_result"
    assert result["tool_use_id"] == tool_use["id"]
    assert result["is_error"] is True
    assert "priority" in result["content"]
    assert [m.role for m in answer.messages] == ["user", "assistant", "user", "assistant"]
    assert answer.tokens["input"] == sum(m.input_tokens or 0 for m in answer.messages)


async def test_malformed_output_twice_is_permanent(fake: FakeAnthropicServer, engines: EngineFactory) -> None:
    fake.script(invalid_answer(), invalid_answer({"recommendations": "none"}))
    with pytest.raises(PermanentError, match="stayed invalid after 1 repair") as caught:
        await engines().recommend(site_digest())
    assert len(fake.requests) == 2
    assert "recommendations: Input should be a valid list" in caught.value.message
    turns = caught.value.details["messages"]
    assert isinstance(turns, tuple)
    assert len(turns) == 4


async def test_an_answer_without_the_tool_is_repaired_in_plain_text(
    fake: FakeAnthropicServer, engines: EngineFactory
) -> None:
    fake.script(text_answer())
    answer = await engines().recommend(site_digest())
    assert answer.recommendations
    repair = fake.requests[1].body["messages"]
    assert repair[1] == {"role": "assistant", "content": [{"type": "text", "text": "Here are my thoughts."}]}
    assert f"did not call {TOOL_NAME}" in repair[2]["content"][0]["text"]


async def test_a_rule_outside_the_digest_is_repaired(
    fake: FakeAnthropicServer, engines: EngineFactory
) -> None:
    made_up = {
        "rule": "made_up",
        "priority": "low",
        "expected_impact": "x",
        "effort": "low",
        "fix_steps": ["y"],
    }
    fake.script(invalid_answer({"recommendations": [made_up]}))
    await engines().recommend(site_digest())
    assert "not in the digest: made_up" in fake.requests[1].body["messages"][2]["content"][0]["content"]


async def test_a_two_thousand_issue_site_keeps_the_prompt_under_the_budget(
    fake: FakeAnthropicServer, engines: EngineFactory
) -> None:
    budget = 3000
    digest = site_digest(issues=2000, budget=budget)
    answer = await engines().recommend(digest)
    [request] = fake.requests
    prompt = request.first_user_text()
    assert estimate_tokens(prompt) <= budget
    assert digest.dropped_groups or digest.summarized
    assert {r.rule for r in answer.recommendations} == set(rules_in(prompt))


async def test_an_empty_digest_makes_no_request(fake: FakeAnthropicServer, engines: EngineFactory) -> None:
    answer = await engines().recommend(build_digest([], 5, SITE, 1000))
    assert answer.recommendations == ()
    assert fake.requests == []
