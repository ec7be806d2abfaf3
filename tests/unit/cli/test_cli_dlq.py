"""`seojobs dlq`: the dead-letter API's contract, spoken over HTTP (a mock transport plays the server)."""

from __future__ import annotations

import httpx
from typer.testing import CliRunner

from seojobs.cli.main import app

LETTERS = [
    {
        "id": "11",
        "jobId": "j-1",
        "jobType": "SYNC_METRICS",
        "reason": "boom",
        "errorType": "PermanentError",
        "sourceTopic": "maintenance.requested.medium",
        "sourcePartition": 1,
        "sourceOffset": 7,
        "attempts": 3,
        "createdAt": "2026-01-01T00:00:00Z",
        "redrivenAt": None,
    },
    {
        "id": "12",
        "jobId": "j-2",
        "jobType": "CRAWL_SITE",
        "reason": "gone",
        "errorType": "PermanentError",
        "sourceTopic": "crawler.requested.high",
        "sourcePartition": 0,
        "sourceOffset": 3,
        "attempts": 1,
        "createdAt": "2026-01-01T00:00:00Z",
        "redrivenAt": "2026-01-02T00:00:00Z",
    },
]


class FakeServer:
    """Answers the two dead-letter endpoints and records what was asked."""

    def __init__(self, status: int = 200) -> None:
        self.calls: list[tuple[str, str, str | None]] = []
        self.status = status

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append((request.method, str(request.url), request.headers.get("authorization")))
        if self.status != 200:
            return httpx.Response(self.status, json={"success": False, "error": "administrators only"})
        if request.method == "GET":
            return httpx.Response(200, json={"success": True, "deadLetters": LETTERS})
        letter = request.url.path.split("/")[-2]
        return httpx.Response(200, json={"success": True, "jobId": f"job-of-{letter}"})


def invoke(server: FakeServer, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app,
        ["dlq", "--api", "http://api.test/", "--token", "tok", *args],
        obj=httpx.MockTransport(server),
        env={"COLUMNS": "250"},
    )
    return result.exit_code, result.output


def test_list_shows_every_letter() -> None:
    server = FakeServer()
    code, out = invoke(server, "list", "--limit", "5")
    assert code == 0
    assert "boom" in out and "maintenance.requested.medium[1]@7" in out and "gone" in out
    assert server.calls == [("GET", "http://api.test/api/admin/dead-letters?limit=5", "Bearer tok")]


def test_redrive_posts_one_letter() -> None:
    server = FakeServer()
    code, out = invoke(server, "redrive", "11")
    assert code == 0 and "job job-of-11 redriven" in out
    assert server.calls == [("POST", "http://api.test/api/admin/dead-letters/11/redrive", "Bearer tok")]


def test_redrive_all_skips_letters_already_redriven() -> None:
    server = FakeServer()
    code, out = invoke(server, "redrive-all")
    assert code == 0 and "1 dead letter(s) redriven" in out
    assert [c[:2] for c in server.calls] == [
        ("GET", "http://api.test/api/admin/dead-letters?limit=100"),
        ("POST", "http://api.test/api/admin/dead-letters/11/redrive"),
    ]


def test_a_refusal_prints_the_servers_error_and_exits_1() -> None:
    code, out = invoke(FakeServer(status=403), "list")
    assert code == 1 and "403 administrators only" in out


def test_the_token_and_url_come_from_the_environment() -> None:
    server = FakeServer()
    result = CliRunner().invoke(
        app,
        ["dlq", "redrive", "11"],
        obj=httpx.MockTransport(server),
        env={"SEOJOBS_API_URL": "http://env.test", "SEOJOBS_API_TOKEN": "envtok"},
    )
    assert result.exit_code == 0, result.output
    assert server.calls == [("POST", "http://env.test/api/admin/dead-letters/11/redrive", "Bearer envtok")]
