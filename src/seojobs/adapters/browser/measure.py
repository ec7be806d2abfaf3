"""Page-experience measurement in Chromium: observers installed before any page script runs."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page, Request, Response

from seojobs.domain.seo.render_facts import Experience, LayoutShift

#: Installed with add_init_script, so it runs in every new document before the page's scripts:
#: the buffered observers also see entries recorded before they were created.
OBSERVER_JS = """(() => {
  const m = {lcp: null, target: '', shifts: []};
  Object.defineProperty(window, '__seojobsExperience', {value: m, enumerable: false});
  const observe = (type, each) => {
    try {
      new PerformanceObserver((list) => list.getEntries().forEach(each))
        .observe({type: type, buffered: true});
    } catch (e) { /* an entry type this browser does not know */ }
  };
  observe('largest-contentful-paint', (e) => {
    m.lcp = e.startTime;
    let target = e.element ? e.element.tagName.toLowerCase() : '';
    if (e.url) { try { target = 'img ' + new URL(e.url).pathname; } catch (x) { target = 'img ' + e.url; } }
    m.target = target;
  });
  observe('layout-shift', (e) => { if (!e.hadRecentInput) m.shifts.push([e.startTime, e.value]); });
})();"""
#: Reads what the observers collected.
READ_JS = """() => {
  const m = window.__seojobsExperience;
  return m ? {lcp: m.lcp, target: m.target, shifts: m.shifts} : null;
}"""
#: Resource types whose requests are attributed to the page (with their status).
CHECKED_TYPES: frozenset[str] = frozenset({"image", "script", "stylesheet"})
#: Failures that only mean the page went away or our own route refused (not the resource's fault).
IGNORED_FAILURES: tuple[str, ...] = ("ERR_ABORTED", "ERR_BLOCKED_BY_CLIENT")
_CHARSET = re.compile(r"charset=([\w.:-]+)", re.IGNORECASE)


@dataclass
class PageLog:
    """What one tab saw during its current navigation: main responses, resources, errors."""

    responses: list[tuple[str, int, dict[str, str]]] = field(default_factory=list)
    resources: dict[str, int | None] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def clear(self) -> None:
        """Forget the previous navigation."""
        self.responses.clear()
        self.resources.clear()
        self.errors.clear()


def watch(page: Page, log: PageLog) -> None:
    """Record page's navigation responses, its resource requests and its uncaught exceptions."""

    def on_response(response: Response) -> None:
        request: Request = response.request
        if request.is_navigation_request() and response.frame == page.main_frame:
            log.responses.append((response.url, response.status, response.headers))
        elif request.resource_type in CHECKED_TYPES:
            log.resources.setdefault(request.url.split("#", 1)[0], response.status)

    def on_failed(request: Request) -> None:
        failure = request.failure or ""
        if request.resource_type in CHECKED_TYPES and not any(f in failure for f in IGNORED_FAILURES):
            log.resources.setdefault(request.url.split("#", 1)[0], None)

    def on_error(error: PlaywrightError) -> None:
        name = getattr(error, "name", "") or "Error"
        log.errors.append(f"{name}: {error.message}")

    page.on("response", on_response)
    page.on("requestfailed", on_failed)
    page.on("pageerror", on_error)


async def raw_body(response: Response) -> str | None:
    """The navigation response's body as text (None when it cannot be read)."""
    try:
        body = await response.body()
    except PlaywrightError:
        return None
    found = _CHARSET.search(response.headers.get("content-type", ""))
    try:
        return body.decode(found.group(1) if found else "utf-8", errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


async def read_experience(page: Page, log: PageLog) -> Experience:
    """What the observers saw so far, with the uncaught exceptions of the navigation."""
    errors = tuple(dict.fromkeys(log.errors))
    try:
        data: dict[str, Any] | None = await page.evaluate(READ_JS)
    except PlaywrightError:
        return Experience(js_errors=errors)
    if not data:
        return Experience(js_errors=errors)
    lcp = data.get("lcp")
    shifts = tuple(LayoutShift(float(s[0]), float(s[1])) for s in data.get("shifts") or ())
    return Experience(
        lcp_ms=float(lcp) if isinstance(lcp, int | float) else None,
        lcp_target=str(data.get("target") or ""),
        shifts=shifts,
        js_errors=errors,
    )
