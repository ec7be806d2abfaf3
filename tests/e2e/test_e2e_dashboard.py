"""The dashboard in real headless Chromium: admin sign-in, live job progress, job page, dead letters."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright, expect
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.adapters.db.job_store import JobStore
from seojobs.domain.jobs import JobType
from seojobs.domain.requests import NewJob
from seojobs.domain.topics import Topics
from seojobs.settings import Settings
from tests.e2e.conftest import Account, make_account
from tests.e2e.jobs_http import post_job, wait_terminal
from tests.support.services import ROOT, ServiceSet, wait_for
from tests.support.slowsite import slow_sites

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

#: Debian's Chromium (never a downloaded build).
CHROMIUM = "/usr/lib/chromium/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Where the screenshots go for people to look at (git-ignored).
ARTIFACTS = ROOT / "tests" / "artifacts"
#: Longest wait for something to show on the page, ms.
UI_WAIT_MS = 30_000


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Headless Chromium."""
    async with async_playwright() as pw:
        b = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            await b.close()


async def open_page(browser: Browser, services: ServiceSet) -> tuple[Page, list[str]]:
    """A page on the dashboard, recording console errors and uncaught exceptions."""
    page = await browser.new_page(viewport={"width": 1280, "height": 1000})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto(f"{services.api_url}/dashboard")
    return page, errors


async def sign_in(page: Page, token: str) -> None:
    """Paste a token and submit."""
    await page.fill("#token", token)
    await page.click("#login-form button")


def shot(name: str) -> Path:
    """The path of a screenshot."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name


async def test_a_job_appears_and_its_progress_reaches_done_without_reload(
    services: ServiceSet, admin: Account, http: httpx.AsyncClient, browser: Browser
) -> None:
    for name in ("api", "relay", "projector", "maintenance"):
        services.start(name)
    await services.wait_api()
    page, errors = await open_page(browser, services)
    await sign_in(page, admin.token)
    await expect(page.locator("#app")).to_be_visible()
    await expect(page.locator("#live-state")).to_have_text("live", timeout=UI_WAIT_MS)
    await expect(page.locator("#queues tbody tr[data-topic]").first).to_be_visible(timeout=UI_WAIT_MS)
    await page.evaluate("window.__sameDocument = true")

    job_id = await post_job(http, services, "/api/jobs/sync-metrics", {}, admin.headers)
    row = page.locator(f'#jobs tr[data-job-id="{job_id}"]')
    await expect(row).to_be_visible(timeout=UI_WAIT_MS)
    await expect(row).to_have_attribute("data-status", "COMPLETED", timeout=UI_WAIT_MS)
    assert await row.locator("progress").get_attribute("value") == "100"
    assert await page.evaluate("window.__sameDocument") is True, "the page was reloaded"
    await expect(page.locator("#count-completed")).to_have_text("1", timeout=UI_WAIT_MS)
    await page.screenshot(path=shot("dashboard-overview.png"), full_page=True)

    await row.locator("a").click()
    await expect(page.locator("#view-job")).to_be_visible()
    await expect(page.locator("#job-status")).to_have_text("COMPLETED")
    await expect(page.locator("#timeline")).to_contain_text("job.completed", timeout=UI_WAIT_MS)
    await expect(page.locator("#timeline")).to_contain_text("job.started")
    await expect(page.locator("#job-result")).to_contain_text("sitesSynced")
    await page.screenshot(path=shot("dashboard-job.png"), full_page=True)
    assert errors == []


async def test_a_non_admin_token_is_refused(
    services: ServiceSet, engine: AsyncEngine, browser: Browser
) -> None:
    services.start("api")
    await services.wait_api()
    user = await make_account(engine)
    page, _ = await open_page(browser, services)
    await sign_in(page, user.token)
    await expect(page.locator("#login-error")).to_contain_text("admins only")
    assert await page.locator("#app").is_hidden()
    assert await page.evaluate("sessionStorage.getItem('seojobs.token')") is None
    await sign_in(page, "not-a-token")
    await expect(page.locator("#login-error")).to_contain_text("not valid")
    await page.screenshot(path=shot("dashboard-refused.png"))


async def test_the_redrive_button_redrives_a_real_dead_letter(
    services: ServiceSet,
    admin: Account,
    browser: Browser,
    engine: AsyncEngine,
    settings: Settings,
    http: httpx.AsyncClient,
) -> None:
    """A job that failed for good (its site was missing) is dead-lettered; the button redrives it."""
    for name in ("api", "relay", "projector", "maintenance"):
        services.start(name)
    await services.wait_api()
    site = uuid.uuid4()
    job = NewJob(JobType.SYNC_METRICS, {"siteId": str(site)}, 4, 1, user_id=admin.user_id)
    job_id = str((await JobStore(engine, Topics(settings.topic_prefix)).enqueue(job))[0])
    letters: list[dict[str, object]] = []

    async def listed() -> bool:
        resp = await http.get(f"{services.api_url}/api/admin/dead-letters", headers=admin.headers)
        letters[:] = [d for d in resp.json()["deadLetters"] if d["jobId"] == job_id]
        return bool(letters)

    await wait_for(listed, 60, "the job's dead letter to be listed", services.log_tail)
    async with engine.begin() as conn:  # the cause is fixed: the site exists now
        await conn.execute(
            text("INSERT INTO sites (id, user_id, url, name) VALUES (:s, :u, 'https://x.test/', 'x')"),
            {"s": site, "u": admin.user_id},
        )
    page, errors = await open_page(browser, services)
    await sign_in(page, admin.token)
    await expect(page.locator("#app")).to_be_visible()
    await page.click("a[href='#/dead-letters']")
    letter_id = letters[0]["id"]
    button = page.locator(f'tr[data-dead-letter-id="{letter_id}"] button.redrive')
    await expect(button).to_have_text("Redrive", timeout=UI_WAIT_MS)
    await button.click()
    await expect(button).to_have_text("Redriven", timeout=UI_WAIT_MS)
    await expect(page.locator("#dlq-note")).to_contain_text(job_id)
    finished = await wait_terminal(http, services, job_id, admin.headers)
    assert finished["status"] == "COMPLETED", "the redriven job ran again, in a new series, and completed"
    await page.screenshot(path=shot("dashboard-dead-letters.png"), full_page=True)
    assert errors == [], json.dumps(errors)


async def test_a_running_crawl_shows_its_worker_and_last_heartbeat(
    services: ServiceSet, admin: Account, http: httpx.AsyncClient, browser: Browser
) -> None:
    for name in ("api", "relay", "projector", "crawler"):
        services.start(name)
    await services.wait_api()
    with slow_sites((12, 1)) as (site,):
        resp = await http.post(
            f"{services.api_url}/api/sites",
            json={"url": site.origin + "/", "name": "slow"},
            headers=admin.headers,
        )
        assert resp.status_code == 201, resp.text
        page, errors = await open_page(browser, services)
        await sign_in(page, admin.token)
        await expect(page.locator("#live-state")).to_have_text("live", timeout=UI_WAIT_MS)
        job_id = await post_job(
            http,
            services,
            "/api/jobs/crawl",
            {"siteId": resp.json()["site"]["id"], "maxPages": site.pages, "render": "http"},
            admin.headers,
        )
        row = page.locator(f'#jobs tr[data-job-id="{job_id}"]')
        await expect(row).to_have_attribute("data-status", "PROCESSING", timeout=UI_WAIT_MS)
        await expect(row.locator("td.worker")).to_contain_text(":", timeout=UI_WAIT_MS)  # host:pid (when)
        await row.locator("a").click()
        await expect(page.locator("#job-fields")).to_contain_text("last heartbeat", timeout=UI_WAIT_MS)
        status = (
            await http.get(f"{services.api_url}/api/jobs/{job_id}/status", headers=admin.headers)
        ).json()
        assert status["job"]["worker"] and status["job"]["heartbeatAt"]
        await expect(page.locator("#job-fields")).to_contain_text(status["job"]["worker"])
        await page.screenshot(path=shot("dashboard-running-crawl.png"), full_page=True)
        assert errors == []


async def test_the_site_view_groups_issues_by_category_with_their_evidence(
    services: ServiceSet, admin: Account, engine: AsyncEngine, http: httpx.AsyncClient, browser: Browser
) -> None:
    services.start("api")
    await services.wait_api()
    site, crawl = uuid.uuid4(), uuid.uuid4()
    issues = [
        ("https://ex.test/a", "title_changed_by_js", "medium", "raw title 'Shop', rendered 'Sale'"),
        ("https://ex.test/a", "lcp_slow", "medium", "LCP 3,612 ms (img /hero.jpg)"),
        ("https://ex.test/b", "structured_data_invalid", "medium", "block 1: an item without @type"),
        ("https://ex.test/b", "soft_404", "high", "status 200 but the title says 'Not found'"),
        ("https://ex.test/c", "broken_link", "high", "https://ex.test/x (HTTP 404)"),
        ("https://ex.test/c", "title_too_short", "low", "5 chars: 'Short'"),
    ]
    async with engine.begin() as conn:
        await conn.execute(
            text("INSERT INTO sites (id, user_id, url, name) VALUES (:s, :u, 'https://ex.test/', 'Example')"),
            {"s": site, "u": admin.user_id},
        )
        await conn.execute(
            text(
                "INSERT INTO pages (site_id, crawl_job_id, url, status) VALUES (:s, :c, 'https://ex.test/a', 200)"
            ),
            {"s": site, "c": crawl},
        )
        for url, rule, severity, evidence in issues:
            await conn.execute(
                text("""
                INSERT INTO seo_issues (site_id, crawl_job_id, url, rule, severity, evidence)
                VALUES (:s, :c, :url, :rule, :severity, :evidence)"""),
                {"s": site, "c": crawl, "url": url, "rule": rule, "severity": severity, "evidence": evidence},
            )
    catalogue = (await http.get(f"{services.api_url}/api/dashboard/rules", headers=admin.headers)).json()
    assert [c["label"] for c in catalogue["categories"]] == [
        "Indexing",
        "Content",
        "Links",
        "JavaScript",
        "Page experience",
        "Structured data",
    ]
    assert catalogue["rules"]["js_error"]["category"] == "javascript"

    page, errors = await open_page(browser, services)
    await sign_in(page, admin.token)
    await expect(page.locator("#app")).to_be_visible()
    await page.goto(f"{services.api_url}/dashboard#/sites/{site}")
    groups = page.locator("#issues .issue-group")
    await expect(groups).to_have_count(6, timeout=UI_WAIT_MS)
    order = [await g.get_attribute("data-category") for g in await groups.all()]
    assert order == [c["id"] for c in catalogue["categories"]]
    js = page.locator('.issue-group[data-category="javascript"]')
    await expect(js.locator("h3")).to_contain_text("JavaScript (1)")
    await expect(js.locator("td.evidence")).to_have_text("raw title 'Shop', rendered 'Sale'")
    experience = page.locator('.issue-group[data-category="page_experience"] td.evidence')
    await expect(experience).to_have_text("LCP 3,612 ms (img /hero.jpg)")
    await expect(
        page.locator('.issue-group[data-category="indexing"] tr[data-rule="soft_404"]')
    ).to_be_visible()
    await page.screenshot(path=shot("dashboard-site-issues.png"), full_page=True)
    assert errors == []
