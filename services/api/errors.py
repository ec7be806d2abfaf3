"""Exception handlers: every error answers {success: false, error: <sentence>, details?}."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from seojobs.domain.errors import Conflict, NotFound, QuotaExceeded, SeojobsError, ValidationFailed

logger = logging.getLogger("seojobs.api")

#: HTTP status of each domain error (anything else of ours is a 400).
DOMAIN_STATUS: tuple[tuple[type[SeojobsError], int], ...] = (
    (ValidationFailed, status.HTTP_422_UNPROCESSABLE_CONTENT),
    (NotFound, status.HTTP_404_NOT_FOUND),
    (Conflict, status.HTTP_409_CONFLICT),
    (QuotaExceeded, status.HTTP_429_TOO_MANY_REQUESTS),
)


class ErrorBody(BaseModel):
    """The body of every error answer."""

    success: bool = False
    error: str
    details: Any = None


#: The error answers any route may give, documented once for every router (OpenAPI).
COMMON_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": text}
    for code, text in (
        (400, "The request body is not valid JSON, or the request is malformed."),
        (401, "No valid bearer token (or cron secret)."),
        (403, "The token is valid but not allowed here (e.g. an admin route)."),
        (404, "No such record, or it belongs to another user."),
        (409, "The request conflicts with the record's state (e.g. cancelling a finished job)."),
        (413, "The request body is too large."),
        (422, "A field is invalid; details name each field and what is wrong."),
        (429, "A monthly quota is used up; details give the quota, usage and reset date."),
        (503, "The database or Kafka is unavailable; retry shortly."),
    )
}


def error_body(message: str, details: Any = None) -> dict[str, Any]:
    """The error shape of every endpoint."""
    body: dict[str, Any] = {"success": False, "error": message}
    if details:
        body["details"] = details
    return body


def _field(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc]
    if len(parts) > 1 and parts[0] in ("body", "query", "path", "header"):
        return ".".join(parts[1:])
    return ".".join(parts) or "request"


def _message(err: Mapping[str, Any]) -> str:
    return str(err.get("msg", "invalid value")).removeprefix("Value error, ")


def describe_validation(errors: Sequence[Mapping[str, Any]]) -> tuple[int, str, list[dict[str, Any]]]:
    """Status, sentence and per-field details of a request validation failure."""
    for err in errors:
        if err.get("type") == "json_invalid":
            position = list(err.get("loc", ()))
            reason = str((err.get("ctx") or {}).get("error", "JSON decode error"))
            where = f" at position {position[1]}" if len(position) > 1 else ""
            return (status.HTTP_400_BAD_REQUEST, f"the request body is not valid JSON: {reason}{where}", [])
    details = []
    for err in errors:
        loc = tuple(err.get("loc", ()))
        if loc == ("body",) and err.get("type") == "missing":
            message = "a JSON object is required as the request body"
        else:
            message = _message(err)
        details.append({"field": _field(loc), "in": str(loc[0]) if loc else "request", "message": message})
    sentence = "; ".join(f"{d['field']}: {d['message']}" for d in details)
    return status.HTTP_422_UNPROCESSABLE_CONTENT, f"invalid request: {sentence}", details


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    code, sentence, details = describe_validation(exc.errors())
    return JSONResponse(error_body(sentence, details), status_code=code)


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return JSONResponse(error_body(str(exc.detail)), status_code=exc.status_code, headers=exc.headers)


async def _on_domain(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, SeojobsError)
    code = next((c for cls, c in DOMAIN_STATUS if isinstance(exc, cls)), status.HTTP_400_BAD_REQUEST)
    details = {k: v for k, v in exc.details.items() if isinstance(v, str | int | float | bool)}
    return JSONResponse(error_body(exc.message, details), status_code=code)


async def _on_database_down(request: Request, exc: Exception) -> JSONResponse:
    logger.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
    return JSONResponse(
        error_body("the database is unavailable; try again shortly"),
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": "1"},
    )


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return JSONResponse(error_body("internal server error"), status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    """Map validation, HTTP and domain errors to the API's error shape."""
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(SeojobsError, _on_domain)
    app.add_exception_handler(OperationalError, _on_database_down)
    app.add_exception_handler(InterfaceError, _on_database_down)
    app.add_exception_handler(Exception, _on_unexpected)
