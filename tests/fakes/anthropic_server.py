"""A local fake of the Anthropic Messages API: scriptable per test, recording what it received."""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final, Literal

#: Host the fake listens on.
HOST: Final[str] = "127.0.0.1"
#: Ports the fake may take, first free one wins.
PORTS: Final[range] = range(18200, 18300)
#: Characters per token the fake assumes when it reports usage.
FAKE_CHARS_PER_TOKEN: Final[int] = 4

_RULE_LINE = re.compile(r"^(?:### |- )([a-z0-9_]+) \| severity ", re.MULTILINE)

#: The kinds of scripted behaviour.
Kind = Literal["answer", "invalid", "text", "error"]


@dataclass(frozen=True)
class Behaviour:
    """What the fake does with one request: answer, answer badly, or fail with an API error."""

    kind: Kind
    status: int = 200
    error_type: str = ""
    message: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    tool_input: dict[str, Any] | None = None


def tool_answer() -> Behaviour:
    """Answer with a valid tool call recommending a fix for every rule in the digest."""
    return Behaviour(kind="answer")


def invalid_answer(tool_input: dict[str, Any] | None = None) -> Behaviour:
    """Answer with a tool call whose input breaks the schema (a bad priority, no fix steps)."""
    return Behaviour(kind="invalid", tool_input=tool_input)


def text_answer() -> Behaviour:
    """Answer with text only and no tool call, as if tool_choice had been ignored."""
    return Behaviour(kind="text")


def api_error(status: int, error_type: str, message: str, **headers: str) -> Behaviour:
    """Fail with the API's error JSON; header names use underscores for dashes."""
    pairs = tuple((name.replace("_", "-"), value) for name, value in headers.items())
    return Behaviour("error", status, error_type, message, pairs)


def rate_limited(retry_after: str = "0", retry_after_ms: str | None = "1") -> Behaviour:
    """Fail with 429 rate_limit_error and a retry-after header."""
    extra = {"retry_after_ms": retry_after_ms} if retry_after_ms is not None else {}
    return api_error(
        429,
        "rate_limit_error",
        "Number of requests exceeded your rate limit.",
        retry_after=retry_after,
        **extra,
    )


def overloaded(retry_after: str = "7", retry_after_ms: str | None = "1") -> Behaviour:
    """Fail with 529 overloaded_error; retry-after-ms keeps the SDK's own waits short."""
    extra = {"retry_after_ms": retry_after_ms} if retry_after_ms is not None else {}
    return api_error(529, "overloaded_error", "Overloaded", retry_after=retry_after, **extra)


def server_error() -> Behaviour:
    """Fail with 500 api_error."""
    return api_error(500, "api_error", "Internal server error", retry_after_ms="1")


def unauthorized() -> Behaviour:
    """Fail with 401 authentication_error."""
    return api_error(401, "authentication_error", "invalid x-api-key")


def not_found(model: str) -> Behaviour:
    """Fail with 404 not_found_error naming the model."""
    return api_error(404, "not_found_error", f"model: {model}")


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake received."""

    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    def first_user_text(self) -> str:
        """Return the text of the first user turn (the rendered digest)."""
        content = self.body["messages"][0]["content"]
        if isinstance(content, str):
            return content
        return "".join(block.get("text", "") for block in content)


def rules_in(text: str) -> list[str]:
    """Return the rule ids a rendered digest names, in order."""
    return _RULE_LINE.findall(text)


def _recommendation(rule: str) -> dict[str, Any]:
    return {
        "rule": rule,
        "priority": "high",
        "expected_impact": f"Fixing {rule} improves how search engines crawl and rank the site.",
        "effort": "low",
        "fix_steps": [f"Fix every page flagged by {rule}.", "Re-crawl to confirm."],
        "example": None,
    }


@dataclass
class _State:
    lock: threading.Lock = field(default_factory=threading.Lock)
    script: deque[Behaviour] = field(default_factory=deque)
    requests: list[RecordedRequest] = field(default_factory=list)
    cached_systems: set[str] = field(default_factory=set)
    counter: int = 0


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: pytest runs with warnings as errors and captures stderr."""

    def do_POST(self) -> None:
        """Answer POST /v1/messages by the next scripted behaviour."""
        length = int(self.headers.get("content-length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        recorded = RecordedRequest("POST", self.path, dict(self.headers.items()), body)
        state = self.server.state
        with state.lock:
            state.requests.append(recorded)
            state.counter += 1
            number = state.counter
            behaviour = state.script.popleft() if state.script else tool_answer()
        if self.path.split("?")[0] != "/v1/messages":
            behaviour = api_error(404, "not_found_error", f"no route {self.path}")
        if behaviour.kind == "error":
            error = {"type": behaviour.error_type, "message": behaviour.message}
            payload = {"type": "error", "error": error, "request_id": f"req_fake_{number}"}
            self._send(behaviour.status, payload, behaviour.headers, number)
            return
        self._send(200, _message(body, behaviour, number, state), (), number)

    def _send(
        self, status: int, payload: dict[str, Any], headers: tuple[tuple[str, str], ...], n: int
    ) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.send_header("request-id", f"req_fake_{n}")
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def _usage(body: dict[str, Any], state: _State) -> dict[str, int]:
    """Report tokens as the API does: the cached system prompt is created once, then read."""
    system = body.get("system") or []
    cached = "".join(b["text"] for b in system if isinstance(b, dict) and b.get("cache_control"))
    cached_tokens = len(cached) // FAKE_CHARS_PER_TOKEN
    with state.lock:
        seen = cached in state.cached_systems
        state.cached_systems.add(cached)
    total = len(json.dumps(body.get("messages", []))) // FAKE_CHARS_PER_TOKEN
    return {
        "input_tokens": total,
        "output_tokens": 50,
        "cache_creation_input_tokens": 0 if seen or not cached else cached_tokens,
        "cache_read_input_tokens": cached_tokens if seen and cached else 0,
    }


def _message(body: dict[str, Any], behaviour: Behaviour, n: int, state: _State) -> dict[str, Any]:
    first = RecordedRequest("POST", "", {}, body).first_user_text()
    rules = rules_in(first)
    tool_name = (body.get("tool_choice") or {}).get("name") or body["tools"][0]["name"]
    if behaviour.kind == "text":
        content: list[dict[str, Any]] = [{"type": "text", "text": "Here are my thoughts."}]
        stop = "end_turn"
    else:
        tool_input = behaviour.tool_input
        if behaviour.kind == "answer":
            tool_input = {"recommendations": [_recommendation(rule) for rule in rules[:60]]}
        elif tool_input is None:
            bad = {"rule": rules[0] if rules else "x", "priority": "urgent", "fix_steps": []}
            tool_input = {"recommendations": [bad]}
        content = [{"type": "tool_use", "id": f"toolu_fake_{n}", "name": tool_name, "input": tool_input}]
        stop = "tool_use"
    return {
        "id": f"msg_fake_{n}",
        "type": "message",
        "role": "assistant",
        "model": body.get("model", "unknown"),
        "content": content,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": _usage(body, state),
    }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: _State


class FakeAnthropicServer:
    """The fake Messages API on a local port, in a background thread; use it as a context."""

    def __init__(self) -> None:
        self._state = _State()
        self._server = self._bind()
        self._server.state = self._state
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @staticmethod
    def _bind() -> _Server:
        for port in PORTS:
            try:
                return _Server((HOST, port), _Handler)
            except OSError:
                continue
        raise RuntimeError(f"no free port in {PORTS.start}-{PORTS.stop - 1}")

    @property
    def base_url(self) -> str:
        """Return the URL to pass to the SDK as base_url."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def script(self, *behaviours: Behaviour) -> None:
        """Queue behaviours for the next requests; once empty the fake answers validly."""
        with self._state.lock:
            self._state.script.extend(behaviours)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Return a copy of the requests received so far."""
        with self._state.lock:
            return list(self._state.requests)

    def start(self) -> FakeAnthropicServer:
        """Serve in the background."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeAnthropicServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
