"""The demo: stack up, services up, a real crawl of the bundled demo site, analysis, results."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Sequence
from typing import Any

import httpx
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from seojobs import supervise
from seojobs.adapters.db import accounts as acc
from seojobs.cli import stack
from seojobs.cli.common import console, with_engine
from seojobs.settings import Settings

#: How long the demo waits for one job, seconds.
JOB_TIMEOUT_S = 300.0
#: Pages the demo crawl may visit (the demo site has fewer).
DEMO_MAX_PAGES = 200


def run_demo(settings: Settings) -> None:
    """Bring everything up and run crawl, analysis and maintenance jobs over the HTTP API."""
    stack.up(brokers=1)
    # The demo site is on this machine, and its https side has a self-signed certificate.
    env = {"SEOJOBS_CRAWL_ALLOWED_PRIVATE": "127.0.0.0/8", "SEOJOBS_CRAWL_TLS_INSECURE_HOSTS": "127.0.0.0/8"}
    for name in ("demosite", *supervise.SERVICES):
        console.print(supervise.start(settings.stack_dir, name, env))
    asyncio.run(_demo(settings))
    console.print(
        "\nThe services keep running: [bold]seojobs services status[/bold]; stop them with "
        "[bold]seojobs services down && seojobs stack down[/bold]."
    )


async def _demo(settings: Settings) -> None:
    api = f"http://{settings.api_host}:{settings.api_port}"
    site_url = f"http://127.0.0.1:{supervise.DEMO_SITE_PORT}/"

    async def setup(engine: Any) -> tuple[uuid.UUID, str]:
        user_id = await acc.create_user(
            engine, f"demo-{uuid.uuid4().hex[:6]}@seojobs.local", "Demo admin", plan="pro", role="admin"
        )
        return user_id, await acc.create_token(engine, user_id, "demo")

    _, token = await with_engine(settings, setup)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=api, headers=headers, timeout=30) as http:
        await _wait_ready(http, site_url)
        site = (await http.post("/api/sites", json={"url": site_url, "name": "Demo site"})).json()
        site_id = site["site"]["id"] if "site" in site else site["id"]
        console.rule("[bold]1. Crawl of the demo site (browser mode, live progress)")
        crawl = await _enqueue(http, "/api/jobs/crawl", {"siteId": site_id, "maxPages": DEMO_MAX_PAGES})
        job = await _follow(http, crawl, "crawl")
        _show_crawl(job)
        console.rule("[bold]2. Analysis of the crawl's issues")
        analysis = await _enqueue(http, "/api/jobs/analysis", {"siteId": site_id})
        job = await _follow(http, analysis, "analysis")
        _show_analysis(job)
        console.rule("[bold]3. Maintenance jobs")
        maintenance = (
            ("/api/jobs/sync-metrics", {"siteId": site_id}),
            ("/api/jobs/cleanup", {"daysOld": 90}),
        )
        for path, body in maintenance:
            job = await _follow(http, await _enqueue(http, path, body), path.rsplit("/", 1)[-1])
            console.print_json(data=job["result"])


async def _wait_ready(http: httpx.AsyncClient, site_url: str) -> None:
    deadline = time.monotonic() + 90
    with console.status("Waiting for the API, the workers and the demo site..."):
        while time.monotonic() < deadline:
            try:
                ready = (await http.get("/readyz")).status_code == 200
                site_up = (await http.get(site_url)).status_code == 200
                if ready and site_up:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.5)
    raise SystemExit("the services did not come up; see .stack/logs/")


async def _enqueue(http: httpx.AsyncClient, path: str, body: dict[str, Any]) -> str:
    resp = await http.post(path, json=body)
    if resp.status_code not in (200, 202):
        raise SystemExit(f"{path} answered {resp.status_code}: {resp.text}")
    return str(resp.json()["jobId"])


async def _follow(http: httpx.AsyncClient, job_id: str, label: str) -> dict[str, Any]:
    """Poll the status endpoint and draw a progress bar until the job ends."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
    )
    deadline = time.monotonic() + JOB_TIMEOUT_S
    with Progress(*columns, console=console) as bar:
        task = bar.add_task(f"{label} PENDING", total=100)
        while time.monotonic() < deadline:
            job: dict[str, Any] = (await http.get(f"/api/jobs/{job_id}/status")).json()["job"]
            bar.update(task, completed=job["progress"], description=f"{label} {job['status']}")
            if job["status"] in ("COMPLETED", "FAILED", "CANCELLED"):
                if job["status"] != "COMPLETED":
                    raise SystemExit(f"{label} job {job_id} ended {job['status']}: {job['error']}")
                return job
            await asyncio.sleep(0.2)
    raise SystemExit(f"{label} job {job_id} did not finish within {JOB_TIMEOUT_S:.0f}s")


def _table(title: str, rows: Sequence[tuple[str, ...]], *columns: str) -> Table:
    table = Table(*columns, title=title)
    for row in rows:
        table.add_row(*row)
    return table


def _show_crawl(job: dict[str, Any]) -> None:
    r = job["result"]
    console.print(
        f"{r['pagesAnalyzed']} pages, {r['issuesFound']} issues in {r['durationMs']} ms "
        f"(stopped: {r['stoppedReason']}); by severity: {r['issuesBySeverity']}"
    )
    rows = sorted(r["issuesByRule"].items(), key=lambda kv: -kv[1])
    console.print(_table("Issues by rule", [(k, str(v)) for k, v in rows], "rule", "count"))


def _show_analysis(job: dict[str, Any]) -> None:
    r = job["result"]
    label = "offline engine (no ANTHROPIC_API_KEY set)" if r["engine"] == "offline" else "Claude"
    console.print(f"{r['issuesAnalyzed']} issues analysed by the {label}; top recommendations:")
    rows = [(rec["priority"], rec["rule"], rec["fix_steps"][0]) for rec in r["recommendations"][:8]]
    console.print(_table("Top recommendations", rows, "priority", "rule", "first step"))
