"""`seojobs dlq list | redrive [ID | --job-type/--reason/--all] | redrive-all | purge`, over HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import typer
from rich.table import Table

from seojobs.cli.common import console

#: Where the API listens unless --api or SEOJOBS_API_URL says otherwise.
DEFAULT_API_URL = "http://127.0.0.1:8000"
#: Seconds one HTTP call may take.
HTTP_TIMEOUT_S = 30.0
#: Dead letters listed (or redriven by redrive-all) unless told otherwise.
DEFAULT_LIMIT = 100

dlq = typer.Typer(no_args_is_help=True)


@dataclass(frozen=True)
class DlqApi:
    """Where the API is, the admin token, and (in tests) the transport to use."""

    url: str
    token: str
    transport: httpx.BaseTransport | None = None

    def call(
        self, method: str, path: str, payload: dict[str, Any] | None = None, **params: Any
    ) -> dict[str, Any]:
        """One request (``payload`` sent as JSON); a non-2xx answer prints the server's error and exits 1."""
        with httpx.Client(
            base_url=self.url,
            transport=self.transport,
            timeout=HTTP_TIMEOUT_S,
            headers={"Authorization": f"Bearer {self.token}"},
        ) as client:
            try:
                resp = client.request(method, path, params=params or None, json=payload)
            except httpx.HTTPError as exc:
                console.print(f"[red]error:[/red] cannot reach the API at {self.url}: {exc}")
                raise typer.Exit(1) from exc
        body: dict[str, Any] = resp.json() if resp.content else {}
        if resp.is_error:
            console.print(f"[red]error:[/red] {resp.status_code} {body.get('error', resp.reason_phrase)}")
            raise typer.Exit(1)
        return body


@dlq.callback()
def root(
    ctx: typer.Context,
    api: str = typer.Option(DEFAULT_API_URL, "--api", envvar="SEOJOBS_API_URL", help="The API's URL."),
    token: str = typer.Option("", "--token", envvar="SEOJOBS_API_TOKEN", help="An admin API token."),
) -> None:
    """Dead letters: list them, send them back to their queues."""
    transport = ctx.obj if isinstance(ctx.obj, httpx.BaseTransport) else None
    ctx.obj = DlqApi(api.rstrip("/"), token, transport)


def _letters(api: DlqApi, limit: int) -> list[dict[str, Any]]:
    letters: list[dict[str, Any]] = api.call("GET", "/api/admin/dead-letters", limit=limit)["deadLetters"]
    return letters


@dlq.command("list")
def list_letters(ctx: typer.Context, limit: int = DEFAULT_LIMIT) -> None:
    """The newest dead letters."""
    table = Table("id", "job", "type", "reason", "error", "source", "attempts", "created", "redriven")
    for d in _letters(ctx.obj, limit):
        table.add_row(
            str(d["id"]),
            str(d.get("jobId") or "-"),
            str(d.get("jobType") or ""),
            str(d.get("reason") or ""),
            str(d.get("errorType") or ""),
            f"{d.get('sourceTopic')}[{d.get('sourcePartition')}]@{d.get('sourceOffset')}",
            str(d.get("attempts") or ""),
            str(d.get("createdAt") or ""),
            str(d.get("redrivenAt") or ""),
        )
    console.print(table)


@dlq.command("redrive")
def redrive(
    ctx: typer.Context,
    letter_id: str = typer.Argument(None, help="One dead letter's id."),
    job_type: str = typer.Option(None, "--job-type", help="Every dead letter of this job type."),
    reason: str = typer.Option(None, "--reason", help="Every dead letter whose reason has this."),
    all_: bool = typer.Option(False, "--all", help="Every dead letter not redriven yet."),
) -> None:
    """Send one dead letter's job (or every matching one's) back to its queue as a new attempt series."""
    if letter_id is not None:
        job_id = ctx.obj.call("POST", f"/api/admin/dead-letters/{letter_id}/redrive")["jobId"]
        console.print(f"dead letter {letter_id}: job {job_id} redriven")
        return
    answer = ctx.obj.call(
        "POST", "/api/admin/dead-letters/redrive", {"jobType": job_type, "reason": reason, "all": all_}
    )
    for job_id in answer["redriven"]:
        console.print(f"job {job_id} redriven")
    console.print(f"{answer['count']} job(s) redriven")


@dlq.command("purge")
def purge(
    ctx: typer.Context,
    older_than_days: int = typer.Option(None, "--older-than-days", help="Only older dead letters."),
    redriven_only: bool = typer.Option(False, "--redriven-only", help="Only redriven ones."),
    all_: bool = typer.Option(False, "--all", help="Every dead letter (needed with no filter)."),
) -> None:
    """Remove stored dead letters (the topic keeps its copy until retention)."""
    answer = ctx.obj.call(
        "POST",
        "/api/admin/dead-letters/purge",
        {"olderThanDays": older_than_days, "redrivenOnly": redriven_only, "all": all_},
    )
    console.print(f"{answer['purged']} dead letter(s) purged")


@dlq.command("redrive-all")
def redrive_all(ctx: typer.Context, limit: int = DEFAULT_LIMIT) -> None:
    """Redrive every dead letter not redriven yet (up to --limit)."""
    waiting = [d for d in _letters(ctx.obj, limit) if not d.get("redrivenAt")]
    for d in waiting:
        job_id = ctx.obj.call("POST", f"/api/admin/dead-letters/{d['id']}/redrive")["jobId"]
        console.print(f"dead letter {d['id']}: job {job_id} redriven")
    console.print(f"{len(waiting)} dead letter(s) redriven")
