"""Turn the Anthropic SDK's errors, after its own retries, into RetryableError or PermanentError."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Mapping
from typing import Final

import anthropic

from seojobs.domain.errors import JobFailure, PermanentError, RetryableError

#: Statuses worth trying again later: timeout, lock conflict, rate limit, overload, server errors.
RETRYABLE_STATUSES: Final[frozenset[int]] = frozenset({408, 409, 429, 529})
#: Statuses from this one up are server-side failures, all retryable.
FIRST_SERVER_ERROR: Final[int] = 500


def retry_after_seconds(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Read the wait the API asked for: retry-after (seconds or HTTP date), else retry-after-ms."""
    value = headers.get("retry-after")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            parsed = email.utils.parsedate_tz(value)
            if parsed is not None:
                current = time.time() if now is None else now
                return max(0.0, float(email.utils.mktime_tz(parsed)) - current)
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            return None
    return None


def _describe(exc: anthropic.APIStatusError) -> str:
    kind = exc.type or "error"
    message = exc.api_message or exc.message
    return f"{exc.status_code} {kind}: {message}"


def _status_failure(exc: anthropic.APIStatusError, model: str, details: dict[str, object]) -> JobFailure:
    status = exc.status_code
    described = _describe(exc)
    details = {**details, "status": status, "request_id": exc.request_id}
    if status in RETRYABLE_STATUSES or status >= FIRST_SERVER_ERROR:
        delay = retry_after_seconds(exc.response.headers)
        return RetryableError(f"Anthropic API unavailable ({described})", delay_s=delay, **details)
    if status == 401:
        return PermanentError(
            f"ANTHROPIC_API_KEY is invalid or revoked ({described}); set a valid key, "
            "or leave it empty to use the offline engine",
            **details,
        )
    if status == 403:
        return PermanentError(
            f"the API key may not use this API or model {model!r} ({described}); "
            "check the key's workspace permissions",
            **details,
        )
    if status == 404:
        return PermanentError(f"model {model!r} not found; check ANTHROPIC_MODEL ({described})", **details)
    if status == 400:
        return PermanentError(f"the Anthropic API rejected the request ({described})", **details)
    return PermanentError(f"the Anthropic API refused the request ({described})", **details)


def map_api_error(
    exc: anthropic.AnthropicError, model: str, details: dict[str, object] | None = None
) -> JobFailure:
    """Map an SDK error to our failure; ``details`` (e.g. the turns so far) ride along on it."""
    extra = dict(details or {})
    if isinstance(exc, anthropic.APITimeoutError):
        return RetryableError("the Anthropic API did not answer in time", None, **extra)
    if isinstance(exc, anthropic.APIConnectionError):
        return RetryableError(f"could not reach the Anthropic API: {exc.message}", None, **extra)
    if isinstance(exc, anthropic.APIStatusError):
        return _status_failure(exc, model, extra)
    return PermanentError(f"the Anthropic SDK failed: {exc}", **extra)
