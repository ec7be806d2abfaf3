"""Dead letters for operators (admin): list, read, redrive one or many, delete, purge."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, ConfigDict, Field

from seojobs.adapters.db.dead_letter_admin import DEFAULT_LIMIT, MAX_LIMIT, DeadLetterAdmin
from seojobs.domain.topics import Topics
from services.api.deps import Admin, Engine, SettingsDep

router = APIRouter(prefix="/api/admin/dead-letters", tags=["dead letters"])

#: Most days a purge may look back (a century).
MAX_PURGE_DAYS = 36500


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class RedriveRequest(_Body):
    """POST /api/admin/dead-letters/redrive: a filter, or all=true."""

    job_type: str | None = Field(None, alias="jobType", max_length=32)
    reason: str | None = Field(None, max_length=500, description="A substring of the reason")
    all: bool = False


class PurgeRequest(_Body):
    """POST /api/admin/dead-letters/purge: an age, redriven ones only, or all=true."""

    older_than_days: int | None = Field(None, alias="olderThanDays", ge=0, le=MAX_PURGE_DAYS)
    redriven_only: bool = Field(False, alias="redrivenOnly")
    all: bool = False


def _admin(engine: Engine, settings: SettingsDep) -> DeadLetterAdmin:
    return DeadLetterAdmin(engine, Topics(settings.topic_prefix))


@router.get("")
async def list_dead_letters(
    _: Admin,
    engine: Engine,
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    job_type: Annotated[str | None, Query(alias="jobType", max_length=32)] = None,
    reason: Annotated[str | None, Query(max_length=500)] = None,
    redriven: bool | None = None,
) -> dict[str, Any]:
    """The newest dead letters, filtered by job type, a reason substring and whether redriven."""
    letters = await _admin(engine, settings).list(
        limit=limit, job_type=job_type, reason=reason, redriven=redriven
    )
    return {"success": True, "deadLetters": letters}


@router.post("/redrive")
async def redrive_matching(
    _: Admin, engine: Engine, settings: SettingsDep, body: Annotated[RedriveRequest, Body()]
) -> dict[str, Any]:
    """Redrive every matching dead letter not redriven yet (an empty filter needs all=true)."""
    job_ids = await _admin(engine, settings).redrive_matching(
        job_type=body.job_type, reason=body.reason, everything=body.all
    )
    return {"success": True, "redriven": [str(j) for j in job_ids], "count": len(job_ids)}


@router.post("/purge")
async def purge(
    _: Admin, engine: Engine, settings: SettingsDep, body: Annotated[PurgeRequest, Body()]
) -> dict[str, Any]:
    """Remove dead letters older than some days and/or only redriven ones (everything: all=true)."""
    removed = await _admin(engine, settings).purge(
        older_than_days=body.older_than_days, redriven_only=body.redriven_only, everything=body.all
    )
    return {"success": True, "purged": removed}


@router.get("/{letter_id}")
async def get_dead_letter(letter_id: int, _: Admin, engine: Engine, settings: SettingsDep) -> dict[str, Any]:
    """One dead letter with its stack, attempt history and original message."""
    return {"success": True, "deadLetter": await _admin(engine, settings).get(letter_id)}


@router.post("/{letter_id}/redrive")
async def redrive(letter_id: int, _: Admin, engine: Engine, settings: SettingsDep) -> dict[str, Any]:
    """Run the dead letter's job again as a new attempt series (409: no job, or not finished)."""
    job_id = await _admin(engine, settings).redrive(letter_id)
    return {"success": True, "jobId": str(job_id)}


@router.delete("/{letter_id}")
async def delete_dead_letter(
    letter_id: int, _: Admin, engine: Engine, settings: SettingsDep
) -> dict[str, Any]:
    """Remove one dead letter."""
    await _admin(engine, settings).delete(letter_id)
    return {"success": True, "id": letter_id}
