"""The analyzer service: ANALYZE_SITE jobs (Claude with a key, the offline engine without)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.adapters.llm.factory import make_engine as make_llm
from seojobs.domain.jobs import JobType, Service
from seojobs.handlers.analyze import AnalyzeHandler
from seojobs.pipeline.worker_main import HandlerSet, run_worker
from seojobs.settings import Settings


async def make_handlers(settings: Settings, engine: AsyncEngine) -> HandlerSet:
    """The analysis handler with the engine the settings call for."""
    llm = make_llm(
        settings.anthropic_api_key or None,
        settings.anthropic_model,
        settings.anthropic_max_tokens,
        settings.anthropic_timeout_s,
        settings.anthropic_base_url,
        settings.anthropic_max_retries,
    )
    return HandlerSet({JobType.ANALYZE_SITE: AnalyzeHandler(engine, llm)}, [llm.aclose])


def main() -> None:
    """Run the analyzer worker until stopped."""
    run_worker(Settings(), Service.ANALYZER, make_handlers)


if __name__ == "__main__":
    main()
