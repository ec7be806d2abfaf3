"""Choose the analysis engine from the settings: Claude with an API key, offline without one."""

from __future__ import annotations

from seojobs.adapters.llm.claude import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_MAX_TOKENS,
    DEFAULT_TIMEOUT_S,
    ClaudeEngine,
)
from seojobs.adapters.llm.offline import OfflineEngine
from seojobs.domain.errors import ValidationFailed
from seojobs.ports.llm import AnalysisEngine


def make_engine(
    api_key: str | None,
    model: str,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    base_url: str | None = None,
    max_retries: int = DEFAULT_MAX_RETRIES,
) -> AnalysisEngine:
    """Return the Claude engine when an API key is set, else the offline engine."""
    if api_key is None or not api_key.strip():
        return OfflineEngine()
    if not model.strip():
        raise ValidationFailed("ANTHROPIC_MODEL is empty; name the Claude model to use")
    if max_tokens < 1 or timeout_s <= 0 or max_retries < 0:
        raise ValidationFailed(
            "max_tokens must be positive, timeout_s positive and max_retries non-negative",
            max_tokens=max_tokens,
            timeout_s=timeout_s,
            max_retries=max_retries,
        )
    return ClaudeEngine(
        api_key=api_key.strip(),
        model=model.strip(),
        max_tokens=max_tokens,
        timeout_s=timeout_s,
        base_url=base_url or None,
        max_retries=max_retries,
    )
