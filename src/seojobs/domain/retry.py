"""The retry policy: what happens after a failed attempt, decided from the error and the attempt."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from seojobs.domain.errors import PermanentError, RetryableError


class Decision(StrEnum):
    """What to do with a job after a failed attempt."""

    RETRY = "retry"
    DEAD_LETTER = "dead_letter"


@dataclass(frozen=True)
class RetryPlan:
    """The decision, the delay-topic step and the delay (seconds) when retrying."""

    decision: Decision
    step: int = 0
    delay_s: float = 0.0


def plan_retry(
    error: BaseException, attempt: int, max_attempts: int, delays_s: tuple[float, ...]
) -> RetryPlan:
    """Retry an unknown or retryable failure while attempts remain; dead-letter the rest.

    The delay topic is chosen by attempt (1st failure -> step 0 ...); a RetryableError that asks
    for a longer delay (e.g. a Retry-After) goes to the first step whose delay is long enough.
    """
    if isinstance(error, PermanentError) or attempt >= max_attempts or not delays_s:
        return RetryPlan(Decision.DEAD_LETTER)
    step = min(attempt - 1, len(delays_s) - 1)
    wanted = error.delay_s if isinstance(error, RetryableError) else None
    if wanted is not None:
        while step < len(delays_s) - 1 and delays_s[step] < wanted:
            step += 1
    return RetryPlan(Decision.RETRY, step, delays_s[step])
