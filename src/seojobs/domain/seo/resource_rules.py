"""broken_resource: a page's same-host image, script or stylesheet answers an error or nothing."""

from __future__ import annotations

from collections.abc import Iterator

from seojobs.domain.seo.evidence import EVIDENCE_ITEMS
from seojobs.domain.seo.facts import Finding, PageFacts, SiteFacts


def _reason(status: int | None) -> str | None:
    if status is None:
        return "no answer"
    if status >= 400:
        return f"HTTP {status}"
    return None


def broken_resources(site: SiteFacts, page: PageFacts) -> Iterator[Finding]:
    """Report on the page every sub-resource of its own whose checked status is an error."""
    broken: list[str] = []
    for url in page.subresources:
        if url not in site.resource_status:
            continue
        reason = _reason(site.resource_status[url])
        if reason is not None:
            broken.append(f"{url} ({reason})")
    if broken:
        more = len(broken) - EVIDENCE_ITEMS
        tail = f" (+{more} more)" if more > 0 else ""
        yield Finding("broken_resource", page.url, "; ".join(broken[:EVIDENCE_ITEMS]) + tail)
