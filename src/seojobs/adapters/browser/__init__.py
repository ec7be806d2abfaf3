"""Playwright adapter: one Chromium per process, one context per crawl, behind the SSRF proxy."""

from __future__ import annotations

from seojobs.adapters.browser.fetcher import BrowserSession
from seojobs.adapters.browser.pool import BrowserPool, chromium_args

__all__ = ["BrowserPool", "BrowserSession", "chromium_args"]
