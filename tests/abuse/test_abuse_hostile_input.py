"""Hostile bodies, parameters and headers: a clear 4xx every time, and nothing written."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.abuse.conftest import Callers, row_counts

pytestmark = pytest.mark.integration

#: A body far larger than any request the API takes (5 MiB).
HUGE = 5 * 1024 * 1024
#: Nesting deep enough to break a recursive parser.
DEEP = 100_000
#: Classic SQL injection strings.
SQLI = ("' OR '1'='1", "1; DROP TABLE jobs; --", '" OR 1=1 --', "00000000-0000-0000-0000-000000000000' --")


def hostile(c: Callers) -> list[tuple[str, str, bytes | None, dict[str, str], dict[str, str]]]:
    """(method, path, raw body, params, extra headers) of every hostile request."""
    site = c.alice_site
    deep = b"[" * DEEP + b"]" * DEEP
    nested_obj = b'{"siteId":' * 5000 + b"1" + b"}" * 5000
    cases: list[tuple[str, str, bytes | None, dict[str, str], dict[str, str]]] = [
        ("POST", "/api/jobs/crawl", b'{"siteId":"' + b"a" * HUGE + b'"}', {}, {}),
        ("POST", "/api/sites", b'{"url":"https://x.example","name":"' + b"n" * HUGE + b'"}', {}, {}),
        ("POST", "/api/jobs/crawl", deep, {}, {}),
        ("POST", "/api/jobs/crawl", nested_obj, {}, {}),
        ("POST", "/api/sites", deep, {}, {}),
        ("POST", "/api/jobs/crawl", f'{{"siteId":"{site}","maxPages":{10**30}}}'.encode(), {}, {}),
        ("POST", "/api/jobs/crawl", f'{{"siteId":"{site}","maxPages":-1}}'.encode(), {}, {}),
        ("POST", "/api/jobs/crawl", f'{{"siteId":"{site}","maxPages":1e309}}'.encode(), {}, {}),
        ("POST", "/api/jobs/crawl", b'{"siteId":"not-a-uuid"}', {}, {}),
        ("GET", "/api/jobs/not-a-uuid/status", None, {}, {}),
        ("POST", "/api/jobs/12345/cancel", None, {}, {}),
        ("GET", "/api/sites/%00", None, {}, {}),
        ("POST", "/api/jobs/crawl", f'{{"siteId":"{site}"}}'.encode(), {}, {"Idempotency-Key": "k" * 5000}),
        ("POST", "/api/jobs/crawl", f'{{"siteId":"{site}"}}'.encode(), {}, {"Idempotency-Key": "a\tb\x7f"}),
        ("POST", "/api/jobs/crawl", b"\xff\xfe not json", {}, {}),
        ("POST", "/api/jobs/crawl", b"null", {}, {}),
        ("POST", "/api/jobs/crawl", b'"a string"', {}, {}),
    ]
    for attack in SQLI:
        cases += [
            ("GET", "/api/jobs", None, {"type": attack}, {}),
            ("GET", "/api/jobs", None, {"status": attack, "limit": attack}, {}),
            ("GET", f"/api/jobs/{attack}/status", None, {}, {}),
            ("POST", "/api/jobs/crawl", f'{{"siteId":"{attack}"}}'.encode(), {}, {}),
            ("POST", "/api/jobs/usage-reset", f'{{"month":"{attack}"}}'.encode(), {}, {}),
        ]
    return cases


async def test_hostile_requests_get_a_clear_4xx_and_write_nothing(
    client: httpx.AsyncClient, callers: Callers, engine: AsyncEngine
) -> None:
    before = await row_counts(engine)
    bad = []
    for method, path, body, params, extra in hostile(callers):
        who = "admin" if "usage-reset" in path else "alice"
        headers = {**callers.headers[who], "Content-Type": "application/json", **extra}
        resp = await client.request(method, path, content=body, params=params, headers=headers)
        ok = 400 <= resp.status_code < 500 and resp.json().get("success") is False and resp.json()["error"]
        if not ok:
            bad.append(
                f"{method} {path[:60]} {params} {extra and list(extra)}: {resp.status_code} {resp.text[:200]}"
            )
    assert not bad, "\n".join(bad)
    assert await row_counts(engine) == before, "no hostile request wrote a row"


async def test_injection_strings_stored_as_data_stay_data(
    client: httpx.AsyncClient, callers: Callers, engine: AsyncEngine
) -> None:
    alice = callers.headers["alice"]
    for attack in SQLI:
        resp = await client.post(
            "/api/sites", json={"url": "https://x.example", "name": attack}, headers=alice
        )
        assert resp.status_code == 201 and resp.json()["site"]["name"] == attack
    names = {s["name"] for s in (await client.get("/api/sites", headers=alice)).json()["sites"]}
    assert set(SQLI) <= names
    assert (await row_counts(engine))["jobs"] == 1, "the jobs table is intact"
