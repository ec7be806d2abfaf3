"""The Claude engine: one forced tool call through the Anthropic SDK, validated, repaired once."""

from __future__ import annotations

import json
import time
from collections.abc import Collection, Sequence
from typing import Final

import anthropic
from anthropic.types import (
    ContentBlock,
    Message,
    MessageParam,
    TextBlockParam,
    ToolParam,
    ToolResultBlockParam,
    ToolUseBlockParam,
)

from seojobs.adapters.llm.errors import map_api_error
from seojobs.domain.analysis.digest import Digest, render_digest
from seojobs.domain.analysis.prompt import SYSTEM_PROMPT, TOOL_DESCRIPTION, TOOL_NAME
from seojobs.domain.analysis.prompt import repair_instruction as _repair_text
from seojobs.domain.analysis.recommendation import (
    RECOMMENDATIONS_SCHEMA,
    InvalidRecommendations,
    Recommendation,
    parse_recommendations,
)
from seojobs.domain.errors import PermanentError
from seojobs.ports.llm import EngineAnswer, MessageRecord, zero_tokens

#: The name the Claude engine reports in EngineAnswer.engine.
CLAUDE_ENGINE_NAME: Final = "claude"
#: Output token cap of one answer: room for about 40 detailed recommendations.
DEFAULT_MAX_TOKENS: Final[int] = 8192
#: Seconds one API call may take before the SDK gives up on it.
DEFAULT_TIMEOUT_S: Final[float] = 120.0
#: Retries the SDK makes itself (429, 529, 5xx, connection errors) before we see the error.
DEFAULT_MAX_RETRIES: Final[int] = 2
#: Passed explicitly so that the SDK never falls back to ANTHROPIC_BASE_URL from the environment.
DEFAULT_BASE_URL: Final[str] = "https://api.anthropic.com"
#: Repair requests sent after an invalid answer before the job fails.
REPAIR_ATTEMPTS: Final[int] = 1

_TOOL: Final[ToolParam] = {
    "name": TOOL_NAME,
    "description": TOOL_DESCRIPTION,
    "input_schema": RECOMMENDATIONS_SCHEMA,
}
_SYSTEM: Final[list[TextBlockParam]] = [
    {"type": "text", "text": SYSTEM_PROMPT, "cache_control": {"type": "ephemeral"}}
]


def _blocks_json(blocks: Sequence[ContentBlock]) -> str:
    return json.dumps([block.to_dict(mode="json") for block in blocks], ensure_ascii=False)


def _tool_uses(message: Message) -> list[ToolUseBlockParam]:
    return [
        {"type": "tool_use", "id": block.id, "name": block.name, "input": block.input}
        for block in message.content
        if block.type == "tool_use"
    ]


def _extract(message: Message, known_rules: Collection[str]) -> list[Recommendation]:
    """Return the validated recommendations of the answer tool's call in the message."""
    calls = [block for block in message.content if block.type == "tool_use"]
    ours = [block for block in calls if block.name == TOOL_NAME]
    if not ours:
        raise InvalidRecommendations(
            f"the answer did not call {TOOL_NAME} (stop_reason {message.stop_reason})"
        )
    return parse_recommendations(ours[0].input, known_rules=known_rules)


def _repair_turns(message: Message, reason: str) -> tuple[MessageParam, ...]:
    """Return the assistant turn as answered and the user turn saying what was wrong."""
    text = _repair_text(reason, truncated=message.stop_reason == "max_tokens")
    uses = _tool_uses(message)
    if not uses:
        # No tool_use to answer with a tool_result: say it in plain text instead.
        texts: list[TextBlockParam] = [
            {"type": "text", "text": block.text} for block in message.content if block.type == "text"
        ]
        user: MessageParam = {"role": "user", "content": [{"type": "text", "text": text}]}
        return ({"role": "assistant", "content": texts}, user) if texts else (user,)
    results: list[ToolResultBlockParam] = [
        {"type": "tool_result", "tool_use_id": use["id"], "is_error": True, "content": text} for use in uses
    ]
    return {"role": "assistant", "content": uses}, {"role": "user", "content": results}


class ClaudeEngine:
    """Asks Claude for recommendations through one forced tool, with the system prompt cached."""

    name: str = CLAUDE_ENGINE_NAME

    def __init__(
        self,
        *,
        api_key: str,
        model: str,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        base_url: str | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
    ) -> None:
        self.model = model
        self.max_tokens = max_tokens
        self._client = anthropic.AsyncAnthropic(
            api_key=api_key,
            base_url=base_url or DEFAULT_BASE_URL,
            timeout=timeout_s,
            max_retries=max_retries,
        )

    async def aclose(self) -> None:
        """Close the SDK client's connection pool."""
        await self._client.close()

    async def _ask(
        self, messages: list[MessageParam], records: list[MessageRecord], tokens: dict[str, int]
    ) -> Message:
        """Send the conversation once (the SDK retries); record the answer and its tokens."""
        started = time.monotonic()
        try:
            message = await self._client.messages.create(
                model=self.model,
                max_tokens=self.max_tokens,
                system=_SYSTEM,
                tools=[_TOOL],
                tool_choice={"type": "tool", "name": TOOL_NAME, "disable_parallel_tool_use": True},
                messages=messages,
            )
        except anthropic.AnthropicError as exc:
            details: dict[str, object] = {"messages": tuple(records), "tokens": dict(tokens)}
            raise map_api_error(exc, self.model, details) from exc
        usage = message.usage
        tokens["input"] += usage.input_tokens
        tokens["output"] += usage.output_tokens
        tokens["cache_read"] += usage.cache_read_input_tokens or 0
        tokens["cache_creation"] += usage.cache_creation_input_tokens or 0
        records.append(
            MessageRecord(
                role="assistant",
                content=_blocks_json(message.content),
                model=message.model,
                input_tokens=usage.input_tokens,
                output_tokens=usage.output_tokens,
                stop_reason=message.stop_reason,
                latency_ms=round((time.monotonic() - started) * 1000),
            )
        )
        return message

    async def recommend(self, digest: Digest) -> EngineAnswer:
        """Ask for recommendations on the digest; one repair turn if the answer is invalid."""
        tokens = zero_tokens()
        if not digest.groups:
            return EngineAnswer((), CLAUDE_ENGINE_NAME, self.model, (), tokens)
        prompt = render_digest(digest)
        messages: list[MessageParam] = [{"role": "user", "content": [{"type": "text", "text": prompt}]}]
        records = [MessageRecord(role="user", content=prompt, model=self.model)]
        for attempt in range(REPAIR_ATTEMPTS + 1):
            message = await self._ask(messages, records, tokens)
            try:
                recommendations = _extract(message, digest.rules)
            except InvalidRecommendations as exc:
                if attempt == REPAIR_ATTEMPTS:
                    raise PermanentError(
                        f"Claude's answer stayed invalid after {REPAIR_ATTEMPTS} repair "
                        f"request(s): {exc.reason}",
                        messages=tuple(records),
                        tokens=tokens,
                    ) from exc
                turns = _repair_turns(message, exc.reason)
                messages.extend(turns)
                records.append(
                    MessageRecord(role="user", content=json.dumps(turns[-1]["content"]), model=self.model)
                )
                continue
            return EngineAnswer(
                recommendations=tuple(recommendations),
                engine=CLAUDE_ENGINE_NAME,
                model=message.model,
                messages=tuple(records),
                tokens=tokens,
            )
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover
