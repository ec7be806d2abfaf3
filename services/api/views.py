"""Response models of the job routes, for the OpenAPI document: a job's ``result`` is typed by its
``type`` (one view per declared job type, derived from the registry, discriminated by ``type``).

The routes still return their plain dicts (``OrjsonResponse``): these models document the wire
shape, they do not re-validate it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, create_model

from seojobs.domain.job_spec import JobSpec
from seojobs.domain.jobs import JobStatus
from seojobs.domain.registry import KNOWN


class JobViewBase(BaseModel):
    """A job as the API shows it (the seed's camelCase fields, plus ours)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    id: str = Field(json_schema_extra={"format": "uuid"})
    status: JobStatus
    priority: int
    progress: int = Field(ge=0, le=100)
    payload: dict[str, Any]
    error: str | None
    attempts: int
    max_attempts: int = Field(alias="maxAttempts")
    scheduled_for: str | None = Field(alias="scheduledFor")
    started_at: str | None = Field(alias="startedAt")
    completed_at: str | None = Field(alias="completedAt")
    created_at: str | None = Field(alias="createdAt")
    updated_at: str | None = Field(alias="updatedAt")
    user_id: str | None = Field(alias="userId")
    site_id: str | None = Field(alias="siteId")
    depends_on: list[str] = Field(alias="dependsOn")
    parent_id: str | None = Field(alias="parentId")
    cancel_requested: bool = Field(alias="cancelRequested")
    dead_lettered: bool = Field(alias="deadLettered")
    worker: str | None = Field(None, description="host:pid of the worker running it (PROCESSING only).")
    heartbeat_at: str | None = Field(None, alias="heartbeatAt")
    waiting_for_slot: bool = Field(False, alias="waitingForSlot")


def _view(spec: JobSpec) -> type[JobViewBase]:
    """The view of one job type: its ``type`` and its result model (null until it completes)."""
    result: Any = spec.result if spec.result is not None else dict[str, Any]
    return create_model(
        f"{spec.job_type.value.title().replace('_', '')}Job",
        __base__=JobViewBase,
        __doc__=f"A {spec.job_type.value} job; ``result`` is set when it COMPLETED.",
        type=(Literal[spec.job_type.value], ...),
        result=(result | None, Field(description=f"The {spec.job_type.value} result, when completed.")),
    )


#: A job of any declared type, told apart by its ``type``.
JobView: Any = Annotated[
    Union[tuple(_view(spec) for spec in KNOWN)],  # noqa: UP007
    Field(discriminator="type"),
]


class JobStatusResponse(BaseModel):
    """GET /api/jobs/{job_id}/status (the seed's shape)."""

    success: bool
    job: JobView


class JobListResponse(BaseModel):
    """GET /api/jobs: a page of jobs, newest first."""

    model_config = ConfigDict(populate_by_name=True)

    success: bool
    jobs: list[JobView]
    next_cursor: str | None = Field(alias="nextCursor", description="Pass as ``after`` for the next page.")
