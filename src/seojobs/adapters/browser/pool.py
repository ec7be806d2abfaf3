"""One Chromium per process, started once and reused; each crawl gets its own context."""

from __future__ import annotations

import asyncio
import os

from playwright.async_api import Browser, Playwright, async_playwright

from seojobs.adapters.browser.fetcher import MEASURE_AFTER_LOAD_S, BrowserSession
from seojobs.crawl.ssrf import Guard
from seojobs.crawl.tls import TlsPolicy

#: Where Debian installs Chromium.
CHROMIUM_PATH = "/usr/lib/chromium/chromium"
#: Flags for a quiet headless Chromium in a container (no sandbox, no background traffic).
CHROMIUM_ARGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
)
#: Renderer processes Chromium may start: about one per core. A crawl keeps each page open for a
#: few seconds after load (its page-experience measurement); without a limit every such page gets
#: its own process, and starting them costs more CPU than the pages themselves.
RENDERER_PROCESSES = max(2, os.cpu_count() or 2)
#: Proxy placeholder given at launch so each context can set its own proxy.
PER_CONTEXT_PROXY = "http://per-context"


def chromium_args() -> list[str]:
    """Return the launch flags."""
    return [*CHROMIUM_ARGS, f"--renderer-process-limit={RENDERER_PROCESSES}"]


class BrowserPool:
    """Owns Playwright and the Chromium process; started lazily, closed once."""

    def __init__(self, executable_path: str = CHROMIUM_PATH, proxy_port: int = 0) -> None:
        """Use the Chromium at executable_path; the SSRF proxy of each crawl binds proxy_port."""
        self._executable = executable_path
        self._proxy_port = proxy_port
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._lock = asyncio.Lock()

    async def start(self) -> Browser:
        """Launch Chromium unless it runs already; return it."""
        async with self._lock:
            if self._browser is None or not self._browser.is_connected():
                if self._playwright is None:
                    self._playwright = await async_playwright().start()
                self._browser = await self._playwright.chromium.launch(
                    executable_path=self._executable,
                    args=chromium_args(),
                    proxy={"server": PER_CONTEXT_PROXY},
                )
            return self._browser

    async def session(
        self,
        guard: Guard,
        user_agent: str,
        tls: TlsPolicy | None = None,
        measure_after_load_s: float = MEASURE_AFTER_LOAD_S,
    ) -> BrowserSession:
        """Open a crawl's browser context, its traffic forced through a guard proxy."""
        browser = await self.start()
        session = BrowserSession(browser, guard, user_agent, self._proxy_port, tls, measure_after_load_s)
        await session.start()
        return session

    async def close(self) -> None:
        """Close Chromium and Playwright."""
        async with self._lock:
            if self._browser is not None:
                await self._browser.close()
                self._browser = None
            if self._playwright is not None:
                await self._playwright.stop()
                self._playwright = None
