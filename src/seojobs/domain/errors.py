"""The error hierarchy shared by every layer: handlers raise these, one policy maps them."""

from __future__ import annotations


class SeojobsError(Exception):
    """Base of every error this package raises on purpose."""

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class JobFailure(SeojobsError):
    """A job handler could not finish its work."""


class RetryableError(JobFailure):
    """A failure that may pass: retry after ``delay_s`` (None lets the policy choose)."""

    def __init__(self, message: str, delay_s: float | None = None, **details: object) -> None:
        super().__init__(message, **details)
        self.delay_s = delay_s


class PermanentError(JobFailure):
    """A failure that retrying cannot fix: the job fails and goes to the dead-letter topic."""


class JobCancelled(SeojobsError):
    """The job was cancelled; the handler stopped at a checkpoint."""


class ValidationFailed(SeojobsError):
    """Input that breaks a rule of the domain (a payload, a month, a priority)."""


class NotFound(SeojobsError):
    """A record that does not exist, or that the caller may not see."""


class Conflict(SeojobsError):
    """A request that contradicts the record's state (cancel a finished job)."""


class QuotaExceeded(SeojobsError):
    """The user's plan allows no more jobs of this type this month."""
