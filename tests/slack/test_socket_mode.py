"""The Procfile's `worker:` process (Socket Mode) as Slack talks to it: it opens a connection
with the app token, receives envelopes over a WebSocket and acknowledges them there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

from tests.conftest import ROOT, clean_environment
from tests.slack.conftest import ADMIN, ASKER, copy_fact_base, procfile_command
from tests.slack.fake_slack import BOT_TOKEN, BOT_USER_ID, FakeSlack, event_body, slash_body
from tests.slack.fake_socket import FakeSocketMode

APP_TOKEN = "xapp-1-test-app-token"


@pytest.fixture(scope="module")
def socket_mode(
    fake: FakeSlack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FakeSocketMode]:
    root = tmp_path_factory.mktemp("worker")
    seeds, knowledge = copy_fact_base(root)
    endpoint = FakeSocketMode()
    fake.socket_url = endpoint.url
    env = clean_environment()
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_APP_TOKEN=APP_TOKEN,
        SLACK_API_URL=fake.api_url,
        PEACEBOT_ADMINS=ADMIN,
        PEACEBOT_SEEDS_DIR=str(seeds),
        PEACEBOT_KNOWLEDGE_DIR=str(knowledge),
        PEACEBOT_STATE_DIR=str(root / "state"),
        PEACEBOT_LOG_LEVEL="INFO",
    )
    log = root / "worker.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            ["bash", "-c", "exec " + procfile_command("worker")],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        assert endpoint.connected.wait(30), log.read_text()
        yield endpoint
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        endpoint.close()
    text = log.read_text()
    assert BOT_TOKEN not in text and APP_TOKEN not in text
    assert "Traceback" not in text, text


def envelope(kind: str, payload: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"envelope_id": str(uuid.uuid4()), "type": kind, "payload": payload, **extra}


def ack_for(endpoint: FakeSocketMode, envelope_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        ack = endpoint.acks.get(timeout=10)
        if ack.get("envelope_id") == envelope_id:
            return ack
    raise AssertionError(f"no ack for {envelope_id}")


def test_the_worker_opens_the_socket_with_the_app_token(
    socket_mode: FakeSocketMode, fake: FakeSlack
) -> None:
    [opened] = fake.find(lambda c: c.method == "apps.connections.open")
    assert opened.authorization == f"Bearer {APP_TOKEN}"
    assert fake.find(lambda c: c.method == "auth.test")[0].authorization == f"Bearer {BOT_TOKEN}"


def test_a_slash_command_over_the_socket_is_answered_in_its_ack(
    socket_mode: FakeSocketMode, fake: FakeSlack
) -> None:
    form = dict(parse_qsl(slash_body("who rejected the plan?", ASKER, fake.response_url("s1"))))
    sent = envelope("slash_commands", form, accepts_response_payload=True)
    socket_mode.send(sent)
    ack = ack_for(socket_mode, sent["envelope_id"])
    assert ack["payload"]["response_type"] == "ephemeral"
    assert "rejected" in ack["payload"]["blocks"][1]["text"]["text"]


def test_a_retried_mention_over_the_socket_is_answered_once(
    socket_mode: FakeSocketMode, fake: FakeSlack
) -> None:
    mention = {
        "type": "app_mention",
        "user": ASKER,
        "channel": "C0SOCKET",
        "ts": "1700000600.000100",
        "text": f"<@{BOT_USER_ID}> nato 20 years",
        "event_ts": "1700000600.000100",
    }
    payload = json.loads(event_body(mention, "EvSocket1"))
    for attempt in (0, 1):
        sent = envelope("events_api", payload, retry_attempt=attempt, retry_reason="timeout")
        socket_mode.send(sent)
        assert ack_for(socket_mode, sent["envelope_id"]) == {"envelope_id": sent["envelope_id"]}
    [post] = fake.wait_for(
        lambda c: c.method == "chat.postMessage" and c.body["channel"] == "C0SOCKET"
    )
    assert post.body["thread_ts"] == "1700000600.000100"
    time.sleep(0.3)
    assert len(fake.find(lambda c: c.body.get("channel") == "C0SOCKET")) == 1


def test_an_admin_reload_over_the_socket_reports_to_the_response_url(
    socket_mode: FakeSocketMode, fake: FakeSlack
) -> None:
    form = dict(parse_qsl(slash_body("reload", ADMIN, fake.response_url("s2"))))
    sent = envelope("slash_commands", form, accepts_response_payload=True)
    socket_mode.send(sent)
    assert ack_for(socket_mode, sent["envelope_id"]) == {"envelope_id": sent["envelope_id"]}
    [post] = fake.wait_for(lambda c: c.path == "/respond/s2")
    assert "Reloaded the fact base" in post.body["text"] and "Nothing changed." in post.body["text"]
