"""The ANALYZE_SITE handler: digest the latest crawl, ask the engine, store the conversation."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs import metrics
from seojobs.domain.analysis.digest import build_digest
from seojobs.domain.errors import PermanentError
from seojobs.domain.jobs import JobType
from seojobs.domain.payloads import AnalysisPayload
from seojobs.domain.registry import parse_payload
from seojobs.handlers.analysis_store import load_crawl, store_conversation, stored_conversation
from seojobs.ports.llm import AnalysisEngine
from seojobs.ports.worker import JobContext

#: Token budget of the digest in the prompt (the system prompt is cached on top of it).
DEFAULT_TOKEN_BUDGET = 12000


class AnalyzeHandler:
    """Runs ANALYZE_SITE jobs with one engine (Claude, or offline without a key)."""

    def __init__(
        self, engine: AsyncEngine, llm: AnalysisEngine, token_budget: int = DEFAULT_TOKEN_BUDGET
    ) -> None:
        self.engine = engine
        self.llm = llm
        self.token_budget = token_budget

    async def __call__(self, ctx: JobContext) -> dict[str, Any]:
        """Analyse the site's latest crawl; a redelivered job reuses its stored conversation."""
        payload: AnalysisPayload = parse_payload(JobType.ANALYZE_SITE, ctx.payload)
        stored = await stored_conversation(self.engine, ctx.job_id)
        crawl = await load_crawl(self.engine, payload.site_id)
        if crawl is None:
            raise PermanentError(f"site {payload.site_id} no longer exists")
        if crawl.crawl_job_id is None:
            raise PermanentError(
                "this site has not been crawled yet: run a crawl first (POST /api/jobs/crawl), "
                "or enqueue the crawl with analyze=true"
            )
        if stored is not None:
            return _result(stored["id"], len(crawl.issues), stored["recommendations"], stored["engine"], {})
        await ctx.progress(10, "digesting crawl issues")
        digest = build_digest(crawl.issues, crawl.pages, crawl.site_url, self.token_budget)
        await ctx.progress(20, f"asking the {self.llm.name} engine")
        answer = await self.llm.recommend(digest)
        metrics.count_tokens(answer.engine, answer.tokens)
        await ctx.progress(90, "storing recommendations")
        conv = await store_conversation(
            self.engine, site_id=payload.site_id, user_id=payload.user_id, job_id=ctx.job_id, answer=answer
        )
        recs = [r.model_dump(mode="json") for r in answer.recommendations]
        return _result(conv, len(crawl.issues), recs, answer.engine, dict(answer.tokens))


def _result(
    conv: uuid.UUID, issues: int, recs: list[dict[str, Any]], engine: str, tokens: dict[str, int]
) -> dict[str, Any]:
    return {
        "success": True,
        "conversationId": str(conv),
        "issuesAnalyzed": issues,
        "recommendations": recs,
        "engine": engine,
        "tokens": tokens,
    }
