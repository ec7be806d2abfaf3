"""A user's sites: the targets of crawls and analyses."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, status

from seojobs.adapters.db import accounts
from services.api.deps import CurrentUser, Engine, owner_scope
from services.api.schemas import SiteRequest

router = APIRouter(prefix="/api/sites", tags=["sites"])


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_site(body: SiteRequest, user: CurrentUser, engine: Engine) -> dict[str, Any]:
    """Add a site (an http(s) URL with a host) owned by the caller."""
    site = await accounts.create_site(engine, user.user_id, body.url, body.name)
    return {"success": True, "site": site}


@router.get("")
async def list_sites(user: CurrentUser, engine: Engine) -> dict[str, Any]:
    """The caller's sites (every site for an admin), newest first."""
    return {"success": True, "sites": await accounts.list_sites(engine, owner_scope(user))}


@router.get("/{site_id}")
async def get_site(site_id: uuid.UUID, user: CurrentUser, engine: Engine) -> dict[str, Any]:
    """One site (404 for another user's)."""
    return {"success": True, "site": await accounts.get_site(engine, site_id, owner_scope(user))}


@router.delete("/{site_id}")
async def delete_site(site_id: uuid.UUID, user: CurrentUser, engine: Engine) -> dict[str, Any]:
    """Delete a site with its pages and issues (404 for another user's)."""
    await accounts.delete_site(engine, site_id, owner_scope(user))
    return {"success": True, "siteId": str(site_id), "deleted": True}
