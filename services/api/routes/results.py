"""A site's crawl results (pages, issues) and analyses (recommendations, conversations)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from seojobs.adapters.db import accounts, results
from services.api.deps import CurrentUser, Engine, owner_scope

router = APIRouter(prefix="/api/sites", tags=["results"])
conversations = APIRouter(prefix="/api/conversations", tags=["results"])

Limit = Annotated[int, Query(ge=1, le=results.MAX_RESULTS)]
Offset = Annotated[int, Query(ge=0)]


async def _crawl(engine: Any, site_id: uuid.UUID, crawl: uuid.UUID | None, user: Any) -> uuid.UUID | None:
    await accounts.get_site(engine, site_id, owner_scope(user))
    return crawl or await results.latest_crawl(engine, site_id)


@router.get("/{site_id}/issues")
async def site_issues(
    site_id: uuid.UUID,
    user: CurrentUser,
    engine: Engine,
    rule: str | None = None,
    severity: Literal["high", "medium", "low"] | None = None,
    crawl: uuid.UUID | None = None,
    limit: Limit = 500,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Issues of the site's latest crawl (or of ``crawl``), filtered by rule and severity."""
    crawl_id = await _crawl(engine, site_id, crawl, user)
    issues = (
        []
        if crawl_id is None
        else await results.site_issues(
            engine, site_id, crawl_id, rule=rule, severity=severity, limit=limit, offset=offset
        )
    )
    return {"success": True, "crawlJobId": str(crawl_id) if crawl_id else None, "issues": issues}


@router.get("/{site_id}/pages")
async def site_pages(
    site_id: uuid.UUID,
    user: CurrentUser,
    engine: Engine,
    crawl: uuid.UUID | None = None,
    limit: Limit = 500,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Pages of the site's latest crawl (or of ``crawl``)."""
    crawl_id = await _crawl(engine, site_id, crawl, user)
    pages = (
        []
        if crawl_id is None
        else await results.site_pages(engine, site_id, crawl_id, limit=limit, offset=offset)
    )
    return {"success": True, "crawlJobId": str(crawl_id) if crawl_id else None, "pages": pages}


@router.get("/{site_id}/recommendations")
async def site_recommendations(site_id: uuid.UUID, user: CurrentUser, engine: Engine) -> dict[str, Any]:
    """The recommendations of the site's newest analysis (null before the first)."""
    await accounts.get_site(engine, site_id, owner_scope(user))
    latest = await results.latest_recommendations(engine, site_id)
    return {"success": True, "analysis": latest}


@conversations.get("/{conversation_id}")
async def get_conversation(conversation_id: uuid.UUID, user: CurrentUser, engine: Engine) -> dict[str, Any]:
    """An analysis conversation with its messages (owner only; 404 otherwise)."""
    return {
        "success": True,
        "conversation": await results.conversation(engine, conversation_id, owner_scope(user)),
    }
