"""The port of the analysis engines: what an engine answers for a digest, and the conversation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal, Protocol

from seojobs.domain.analysis.digest import Digest
from seojobs.domain.analysis.recommendation import Recommendation

#: Which engine produced an answer.
EngineName = Literal["claude", "offline"]
#: Who speaks in a conversation turn.
Role = Literal["user", "assistant"]

#: The keys of EngineAnswer.tokens, in the order they are reported.
TOKEN_KEYS: Final[tuple[str, ...]] = ("input", "output", "cache_read", "cache_creation")


def zero_tokens() -> dict[str, int]:
    """Return a token tally with every key at zero."""
    return dict.fromkeys(TOKEN_KEYS, 0)


@dataclass(frozen=True, slots=True)
class MessageRecord:
    """One turn of the conversation with the model (request or response), for ai_messages."""

    role: Role
    #: Plain text for the first request; JSON of the content blocks for the other turns.
    content: str
    model: str | None
    input_tokens: int | None = None
    output_tokens: int | None = None
    stop_reason: str | None = None
    #: Wall time of the API call that produced a response turn (SDK retries included).
    latency_ms: int | None = None


@dataclass(frozen=True, slots=True)
class EngineAnswer:
    """The recommendations an engine produced, with the conversation and tokens it took."""

    recommendations: tuple[Recommendation, ...]
    engine: EngineName
    model: str | None
    messages: tuple[MessageRecord, ...] = ()
    tokens: dict[str, int] = field(default_factory=zero_tokens)


class AnalysisEngine(Protocol):
    """Turns a digest of a site's issues into prioritised recommendations."""

    name: str

    async def recommend(self, digest: Digest) -> EngineAnswer:
        """Return recommendations for the digest; raise RetryableError or PermanentError."""
        ...

    async def aclose(self) -> None:
        """Release the engine's connections; the engine is unusable afterwards."""
        ...
