"""Users, API tokens and sites: what the API authenticates and what jobs run against."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from seojobs.adapters.db.models import ApiToken, Site, User
from seojobs.domain.errors import Conflict, NotFound, ValidationFailed

#: Random bytes in a new API token (URL-safe base64, so about 43 characters).
TOKEN_BYTES = 32
#: Roles and plans the users table accepts.
ROLES = ("user", "admin")
PLANS = ("free", "pro", "enterprise")
#: Longest site URL and name the sites table holds.
MAX_URL_LENGTH, MAX_SITE_NAME_LENGTH = 2048, 200


@dataclass(frozen=True)
class Principal:
    """The user a request acts for."""

    user_id: uuid.UUID
    email: str
    role: str
    plan: str

    @property
    def is_admin(self) -> bool:
        """True for the admin role."""
        return self.role == "admin"


def hash_token(token: str) -> str:
    """The SHA-256 hex digest under which a token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


async def create_user(
    engine: AsyncEngine, email: str, name: str | None = None, plan: str = "free", role: str = "user"
) -> uuid.UUID:
    """Create a user and return its id; Conflict when the e-mail is taken."""
    if role not in ROLES:
        raise ValidationFailed(f"role must be one of {', '.join(ROLES)}, got {role!r}", field="role")
    if plan not in PLANS:
        raise ValidationFailed(f"plan must be one of {', '.join(PLANS)}, got {plan!r}", field="plan")
    if "@" not in email:
        raise ValidationFailed(f"{email!r} is not an e-mail address", field="email")
    try:
        async with engine.begin() as conn:
            user_id = (
                await conn.execute(
                    insert(User).values(email=email, name=name, plan=plan, role=role).returning(User.id)
                )
            ).scalar_one()
    except IntegrityError as exc:
        raise Conflict(f"a user with e-mail {email} already exists", email=email) from exc
    return user_id


async def create_token(engine: AsyncEngine, user_id: uuid.UUID, name: str | None = None) -> str:
    """Create an API token for a user; the plain token is returned once, only its hash is kept."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                insert(ApiToken).values(user_id=user_id, token_hash=hash_token(token), name=name)
            )
    except IntegrityError as exc:
        raise NotFound(f"user {user_id} not found") from exc
    return token


async def user_for_token(engine: AsyncEngine, token: str) -> Principal | None:
    """The active user a token belongs to (and note its use), or None."""
    if not token:
        return None
    stmt = (
        update(ApiToken)
        .where(ApiToken.token_hash == hash_token(token), ApiToken.user_id == User.id, User.active)
        .values(last_used_at=func.now())
        .returning(User.id, User.email, User.role, User.plan)
    )
    async with engine.begin() as conn:
        row = (await conn.execute(stmt)).first()
    if row is None:
        return None
    return Principal(user_id=row[0], email=row[1], role=row[2], plan=row[3])


def check_site_url(url: str) -> str:
    """Return the URL when it is http(s) with a host, or raise ValidationFailed."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationFailed(
            f"url must be an http:// or https:// address with a host name, got {url!r}", field="url"
        )
    if len(url) > MAX_URL_LENGTH:
        raise ValidationFailed(f"url must be at most {MAX_URL_LENGTH} characters", field="url")
    return url.strip()


def site_to_api(row: Any) -> dict[str, Any]:
    """A site as the API shows it (camelCase)."""
    return {
        "id": str(row.id),
        "userId": str(row.user_id),
        "url": row.url,
        "name": row.name,
        "createdAt": row.created_at.isoformat(),
    }


async def create_site(engine: AsyncEngine, user_id: uuid.UUID, url: str, name: str) -> dict[str, Any]:
    """Create a site owned by a user and return it."""
    url = check_site_url(url)
    name = name.strip()
    if not name or len(name) > MAX_SITE_NAME_LENGTH:
        raise ValidationFailed(f"name must be 1 to {MAX_SITE_NAME_LENGTH} characters", field="name")
    try:
        async with engine.begin() as conn:
            row = (
                await conn.execute(
                    insert(Site).values(user_id=user_id, url=url, name=name).returning(*Site.__table__.c)
                )
            ).one()
    except IntegrityError as exc:
        raise NotFound(f"user {user_id} not found") from exc
    return site_to_api(row)


async def list_sites(engine: AsyncEngine, user_id: uuid.UUID | None = None) -> list[dict[str, Any]]:
    """Sites newest first: one user's, or every site when user_id is None."""
    stmt = select(Site).order_by(Site.created_at.desc(), Site.id)
    if user_id is not None:
        stmt = stmt.where(Site.user_id == user_id)
    async with engine.connect() as conn:
        rows = (await conn.execute(stmt)).all()
    return [site_to_api(r) for r in rows]


async def find_site(
    conn: AsyncConnection, site_id: uuid.UUID, user_id: uuid.UUID | None = None
) -> dict[str, Any]:
    """One site inside the caller's transaction; NotFound when missing or another user's."""
    stmt = select(Site).where(Site.id == site_id)
    if user_id is not None:
        stmt = stmt.where(Site.user_id == user_id)
    row = (await conn.execute(stmt)).first()
    if row is None:
        raise NotFound("site not found", site_id=str(site_id))
    return site_to_api(row)


async def get_site(
    engine: AsyncEngine, site_id: uuid.UUID, user_id: uuid.UUID | None = None
) -> dict[str, Any]:
    """One site; NotFound when missing or (with user_id) owned by someone else."""
    async with engine.connect() as conn:
        return await find_site(conn, site_id, user_id)


async def delete_site(engine: AsyncEngine, site_id: uuid.UUID, user_id: uuid.UUID | None = None) -> None:
    """Delete a site (its pages and issues go with it); NotFound when missing or another user's."""
    stmt = delete(Site).where(Site.id == site_id)
    if user_id is not None:
        stmt = stmt.where(Site.user_id == user_id)
    async with engine.begin() as conn:
        if (await conn.execute(stmt.returning(Site.id))).first() is None:
            raise NotFound("site not found", site_id=str(site_id))
