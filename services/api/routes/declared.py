"""POST /api/jobs/<route>: one enqueue route per registry spec that declares a ``route``.

The request body is the spec's payload model without ``userId`` (the caller is the user), plus
what every enqueue may add (priority, scheduledFor, dependsOn, maxAttempts). A spec whose site
must belong to the requester is open to every user; any other is for admins.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, create_model

from seojobs.adapters.db.accounts import Principal
from seojobs.domain.job_spec import JobRegistry, JobSpec
from seojobs.domain.registry import PRODUCT
from services.api.deps import Admin, CurrentUser, IdempotencyKey, Queue
from services.api.routes.enqueue import _ACCEPTED, accepted, common
from services.api.schemas import _JobBody, _priority

#: Body fields that are enqueue options, not payload.
_OPTIONS = frozenset({"scheduled_for", "depends_on", "max_attempts", "priority"})


def request_model(spec: JobSpec) -> type[_JobBody]:
    """The route's body: the payload's fields (the caller's userId left out) and the options."""
    fields: dict[str, Any] = {
        name: (info.annotation, info) for name, info in spec.payload.model_fields.items() if name != "user_id"
    }
    fields["priority"] = (int | None, _priority(None))
    name = "".join(p.title() for p in spec.job_type.value.split("_")) + "Request"
    model: type[_JobBody] = create_model(
        name, __base__=_JobBody, __doc__=f"POST /api/jobs/{spec.route}.", **fields
    )
    return model


def payload_of(spec: JobSpec, body: BaseModel, caller: Principal) -> dict[str, Any]:
    """The job's payload: the body's payload fields, and the caller as userId when the type has one."""
    payload: dict[str, Any] = body.model_dump(
        mode="json", by_alias=True, exclude=set(_OPTIONS), exclude_none=True
    )
    if "user_id" in spec.payload.model_fields:
        payload["userId"] = str(caller.user_id)
    return payload


def add_route(router: APIRouter, spec: JobSpec) -> None:
    """Register the enqueue route of one spec."""
    model = request_model(spec)

    async def enqueue(
        body: Any, caller: Any, queue: Queue, response: Response, idempotency_key: IdempotencyKey = None
    ) -> dict[str, Any]:
        site = getattr(body, "site_id", None)
        result = await queue.submit(
            spec.job_type,
            payload_of(spec, body, caller),
            priority=body.priority,
            user_id=caller.user_id,
            site_id=site,
            idempotency_key=idempotency_key,
            **common(body),
        )
        return accepted(response, result, f"{spec.job_type.value} job queued successfully")

    # The annotations are set here because the body model is built at run time.
    enqueue.__annotations__.update(body=model, caller=CurrentUser if spec.owned_site else Admin)
    enqueue.__doc__ = f"Queue a {spec.job_type.value} job" + (
        " for one of the caller's sites." if spec.owned_site else " (admin)."
    )
    router.add_api_route(
        f"/{spec.route}",
        enqueue,
        methods=["POST"],
        status_code=status.HTTP_202_ACCEPTED,
        responses=_ACCEPTED,
        name=f"enqueue_{spec.job_type.value.lower()}",
    )


def build_router(registry: JobRegistry) -> APIRouter:
    """The enqueue routes of every spec of the registry that declares one."""
    router = APIRouter(prefix="/api/jobs", tags=["enqueue"])
    for spec in registry:
        if spec.route is not None:
            add_route(router, spec)
    return router


#: The derived routes of the product's job types.
router = build_router(PRODUCT)
