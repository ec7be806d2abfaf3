"""`seojobs user ...` and `seojobs site ...`: create users, tokens and sites."""

from __future__ import annotations

import uuid

import typer
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.adapters.db import accounts as acc
from seojobs.cli.common import console, run, settings, with_engine

users = typer.Typer(no_args_is_help=True)
sites = typer.Typer(no_args_is_help=True)


@users.command("create")
def create_user(
    email: str,
    name: str = typer.Option(None),
    admin: bool = typer.Option(False, "--admin"),
    plan: str = typer.Option("free", help="free, pro or enterprise"),
) -> None:
    """Create a user and print a new API token for them (shown once)."""

    async def body(engine: AsyncEngine) -> tuple[uuid.UUID, str]:
        user_id = await acc.create_user(engine, email, name, plan=plan, role="admin" if admin else "user")
        return user_id, await acc.create_token(engine, user_id, "cli")

    user_id, token = run(with_engine(settings(), body))
    console.print(f"user {user_id}\ntoken {token}")


@users.command("token")
def create_token(user_id: uuid.UUID, name: str = typer.Option("cli")) -> None:
    """Create another API token for a user (shown once)."""
    token = run(with_engine(settings(), lambda e: acc.create_token(e, user_id, name)))
    console.print(f"token {token}")


@sites.command("create")
def create_site(user_id: uuid.UUID, url: str, name: str) -> None:
    """Add a site for a user."""
    site = run(with_engine(settings(), lambda e: acc.create_site(e, user_id, url, name)))
    console.print(f"site {site['id']} {site['url']}")


@sites.command("list")
def list_sites(user_id: uuid.UUID = typer.Option(None)) -> None:
    """List sites (of one user, or all)."""
    for site in run(with_engine(settings(), lambda e: acc.list_sites(e, user_id))):
        console.print(f"{site['id']}  {site['url']}  {site['name']}")
