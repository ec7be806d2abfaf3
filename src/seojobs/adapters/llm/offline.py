"""The offline engine: recommendations from the knowledge base, deterministic, no network."""

from __future__ import annotations

from typing import Final

from seojobs.domain.analysis.digest import Digest
from seojobs.domain.analysis.knowledge import offline_recommendations
from seojobs.ports.llm import EngineAnswer, zero_tokens

#: The name the offline engine reports in EngineAnswer.engine.
OFFLINE_ENGINE_NAME: Final = "offline"


class OfflineEngine:
    """Answers every digest from the offline knowledge base; used when no API key is set."""

    name: str = OFFLINE_ENGINE_NAME

    async def recommend(self, digest: Digest) -> EngineAnswer:
        """Return the knowledge base's recommendations for every rule in the digest."""
        return EngineAnswer(
            recommendations=tuple(offline_recommendations(digest)),
            engine=OFFLINE_ENGINE_NAME,
            model=None,
            messages=(),
            tokens=zero_tokens(),
        )

    async def aclose(self) -> None:
        """Do nothing: the offline engine holds no connections."""
