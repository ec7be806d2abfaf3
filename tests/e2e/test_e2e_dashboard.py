"""The dashboard in real headless Chromium: admin sign-in, live job progress, job page, dead letters."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, Route, async_playwright, expect
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.conftest import Account, make_account
from tests.e2e.jobs_http import post_job
from tests.support.services import ROOT, ServiceSet

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

#: Debian's Chromium (never a downloaded build).
CHROMIUM = "/usr/lib/chromium/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
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
        services: ServiceSet, admin: Account, http: httpx.AsyncClient, browser: Browser) -> None:
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


async def test_a_non_admin_token_is_refused(services: ServiceSet, engine: AsyncEngine,
                                            browser: Browser) -> None:
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


async def test_the_redrive_button_posts_and_marks_the_letter(
        services: ServiceSet, admin: Account, browser: Browser) -> None:
    """Against the dead-letter API's contract (GET list, POST redrive), served through the page's fetch."""
    services.start("api")
    await services.wait_api()
    letter_id, job_id = str(uuid.uuid4()), str(uuid.uuid4())
    letters = [{"id": letter_id, "jobId": job_id, "jobType": "SYNC_METRICS", "reason": "boom",
                "errorType": "PermanentError", "sourceTopic": "maintenance.requested.medium",
                "sourcePartition": 2, "sourceOffset": 17, "attempts": 3,
                "createdAt": "2026-01-01T00:00:00+00:00", "redrivenAt": None}]
    posts: list[tuple[str, str | None]] = []

    async def dead_letter_api(route: Route) -> None:
        request = route.request
        if request.method == "POST":
            posts.append((request.url, await request.header_value("authorization")))
            await route.fulfill(json={"success": True, "jobId": job_id})
        else:
            await route.fulfill(json={"success": True, "deadLetters": letters})

    page, errors = await open_page(browser, services)
    await page.route("**/api/admin/dead-letters**", dead_letter_api)
    await sign_in(page, admin.token)
    await expect(page.locator("#app")).to_be_visible()
    await page.click("a[href='#/dead-letters']")
    button = page.locator(f'tr[data-dead-letter-id="{letter_id}"] button.redrive')
    await expect(button).to_have_text("Redrive")
    await button.click()
    await expect(button).to_have_text("Redriven")
    await expect(button).to_be_disabled()
    await expect(page.locator("#dlq-note")).to_contain_text(job_id)
    assert posts == [(f"{services.api_url}/api/admin/dead-letters/{letter_id}/redrive",
                      f"Bearer {admin.token}")]
    await page.screenshot(path=shot("dashboard-dead-letters.png"), full_page=True)
    assert errors == [], json.dumps(errors)
