"""A small fake of Slack for tests: its Web API and response_url endpoints on loopback, plus
helpers that build and sign requests the way Slack sends them to the app."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode

from slack_sdk.signature import SignatureVerifier

BOT_USER_ID = "UBOT0PEACE"
BOT_ID = "BBOT0PEACE"
TEAM_ID = "T0TEAM"
SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token-0000"


@dataclass
class Call:
    """One request the app made to the fake: its path and decoded body."""

    path: str
    body: dict[str, Any]
    authorization: str = ""

    @property
    def method(self) -> str:
        return self.path.rsplit("/", 1)[-1]


@dataclass
class FakeSlack:
    """Records every Web API call and response_url post; answers like Slack does."""

    calls: list[Call] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None
    socket_url: str = ""  # what apps.connections.open hands out (see fake_socket.py)

    def start(self) -> FakeSlack:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length).decode("utf-8")
                body = _decode(raw, self.headers.get("content-type", ""))
                auth = self.headers.get("authorization", "")
                with fake.lock:
                    fake.calls.append(Call(self.path, body, auth))
                    count = len(fake.calls)
                if self.path.startswith("/respond/"):
                    self._send(200, "ok", "text/plain")
                    return
                reply = _api_reply(self.path, body, count, fake.socket_url)
                self._send(200, json.dumps(reply), "application/json")

            def _send(self, status: int, text: str, content_type: str) -> None:
                data = text.encode("utf-8")
                self.send_response(status)
                self.send_header("content-type", content_type)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def api_url(self) -> str:
        return self.url + "/api/"

    def response_url(self, name: str) -> str:
        return f"{self.url}/respond/{name}"

    def snapshot(self) -> list[Call]:
        with self.lock:
            return list(self.calls)

    def find(self, predicate: Callable[[Call], bool]) -> list[Call]:
        return [c for c in self.snapshot() if predicate(c)]

    def wait_for(
        self, predicate: Callable[[Call], bool], count: int = 1, timeout: float = 10.0
    ) -> list[Call]:
        """Poll until at least `count` recorded calls match; fail after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.find(predicate)
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                paths = [c.path for c in self.snapshot()]
                raise AssertionError(f"expected {count} matching call(s), got {found}; {paths}")
            time.sleep(0.02)


def _decode(raw: str, content_type: str) -> dict[str, Any]:
    if "json" in content_type:
        return json.loads(raw or "{}")
    body: dict[str, Any] = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
    for key in ("blocks", "view"):
        if isinstance(body.get(key), str):
            body[key] = json.loads(body[key])
    return body


def _api_reply(path: str, body: dict[str, Any], count: int, socket_url: str) -> dict[str, Any]:
    method = path.rsplit("/", 1)[-1]
    if method == "apps.connections.open":
        return {"ok": True, "url": socket_url}
    if method == "auth.test":
        return {
            "ok": True,
            "url": "https://fake.example/",
            "team": "Fake",
            "user": "peacebot",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
        }
    if method == "chat.postMessage":
        ts = f"1700000000.{count:06d}"
        return {"ok": True, "channel": body.get("channel"), "ts": ts, "message": {"ts": ts}}
    if method == "views.publish":
        return {"ok": True, "view": {"id": "V0HOME"}}
    return {"ok": True}


# -- requests as Slack sends them ------------------------------------------------------------


def signed_headers(body: str, timestamp: int | None = None, secret: str = SIGNING_SECRET) -> dict:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature or ""}


def slash_body(text: str, user: str, response_url: str, channel: str = "C0GENERAL") -> str:
    return urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": TEAM_ID,
            "team_domain": "fake",
            "channel_id": channel,
            "channel_name": "general",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/peace",
            "text": text,
            "api_app_id": "A0PEACE",
            "response_url": response_url,
            "trigger_id": "1337.42.trigger",
        }
    )


def event_body(event: dict[str, Any], event_id: str) -> str:
    return json.dumps(
        {
            "token": "legacy-verification-token",
            "team_id": TEAM_ID,
            "api_app_id": "A0PEACE",
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "team_id": TEAM_ID,
                    "user_id": BOT_USER_ID,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
        }
    )


def action_body(
    action: dict[str, Any],
    user: str,
    response_url: str | None,
    *,
    ephemeral: bool = True,
    channel: str = "C0GENERAL",
    container: dict[str, Any] | None = None,
) -> str:
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "team_id": TEAM_ID},
        "api_app_id": "A0PEACE",
        "token": "legacy-verification-token",
        "container": container
        or {
            "type": "message",
            "message_ts": "1700000000.000001",
            "channel_id": channel,
            "is_ephemeral": ephemeral,
        },
        "trigger_id": "1337.43.trigger",
        "team": {"id": TEAM_ID, "domain": "fake"},
        "channel": {"id": channel, "name": "general"},
        "actions": [
            {"type": "button", "block_id": "peace_answer", "action_ts": "1700000001.000", **action}
        ],
    }
    if response_url:
        payload["response_url"] = response_url
    return urlencode({"payload": json.dumps(payload)})


@dataclass
class Reply:
    status: int
    text: str
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.text)


def http_request(
    port: int,
    method: str,
    path: str,
    body: str = "",
    headers: dict[str, str] | None = None,
    timeout: float = 15,
) -> Reply:
    """One request on a fresh connection (so the kernel may hand it to any worker); a reply
    slower than `timeout` seconds raises TimeoutError."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body.encode("utf-8"), headers=headers or {})
        response = connection.getresponse()
        text = response.read().decode("utf-8")
        return Reply(response.status, text, {k.lower(): v for k, v in response.getheaders()})
    finally:
        connection.close()


def content_type_for(body: str) -> str:
    return "application/json" if body.startswith("{") else "application/x-www-form-urlencoded"


def post_signed(
    port: int,
    body: str,
    extra: dict[str, str] | None = None,
    timeout: float = 15,
    **sign: Any,
) -> Reply:
    headers = {
        "Content-Type": content_type_for(body),
        **signed_headers(body, **sign),
        **(extra or {}),
    }
    return http_request(port, "POST", "/slack/events", body, headers, timeout)
