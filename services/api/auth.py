"""Who is calling: user API tokens (hashed in the database) and the cron secret."""

from __future__ import annotations

import hmac

from fastapi import HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from seojobs.adapters.db.accounts import Principal
from seojobs.settings import Settings
from services.api.token_cache import TokenCache

#: The bearer scheme (auto_error off: our own messages say what is wrong).
bearer_scheme = HTTPBearer(auto_error=False, description="A user API token, or CRON_SECRET for /api/cron")

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def unauthorized(message: str) -> HTTPException:
    """A 401 with the bearer challenge."""
    return HTTPException(status.HTTP_401_UNAUTHORIZED, message, headers=_CHALLENGE)


async def authenticate(tokens: TokenCache, creds: HTTPAuthorizationCredentials | None) -> Principal:
    """The user a bearer token belongs to, or a 401 saying why not."""
    if creds is None:
        raise unauthorized("authentication required: send the header 'Authorization: Bearer <token>'")
    principal = await tokens.principal(creds.credentials) if creds.credentials else None
    if principal is None:
        raise unauthorized("the API token is invalid or its user is inactive")
    return principal


def require_admin(principal: Principal) -> Principal:
    """The principal when it is an admin, else a 403."""
    if not principal.is_admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this endpoint is for administrators only")
    return principal


def check_cron_secret(settings: Settings, creds: HTTPAuthorizationCredentials | None) -> None:
    """Let a cron call in only with the configured secret; with none configured, let nobody in."""
    if not settings.cron_secret:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "cron endpoints are disabled: CRON_SECRET is not configured on the server",
        )
    if creds is None:
        raise unauthorized("cron secret required: send the header 'Authorization: Bearer <CRON_SECRET>'")
    if not hmac.compare_digest(creds.credentials.encode(), settings.cron_secret.encode()):
        raise unauthorized("the cron secret is wrong")
