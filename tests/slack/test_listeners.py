"""Listener behaviour inside one process: the real Bolt app with its real middleware, requests
dispatched as Bolt's WSGI adapter would, the fake Slack Web API behind it."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_bolt import App, BoltRequest, BoltResponse

from bot import blocks
from bot.holder import AnswererHolder
from bot.ledger import EventLedger
from bot.server import create_wsgi_app
from bot.slack_app import create_bolt_app, strip_mentions
from tests.slack.conftest import ADMIN, ASKER, make_settings
from tests.slack.fake_slack import (
    BOT_USER_ID,
    FakeSlack,
    action_body,
    event_body,
    signed_headers,
    slash_body,
)

SECRET_TEXT = "xoxb-leaked-in-an-exception"


class Exploding:
    """An answerer that fails, to see how a failure inside a listener is handled."""

    def answer(self, question: str) -> None:
        raise RuntimeError(f"boom: {SECRET_TEXT}")


@pytest.fixture
def app(fake: FakeSlack, tmp_path: Path) -> Iterator[tuple[App, AnswererHolder]]:
    settings = make_settings(fake, tmp_path)
    holder = AnswererHolder(settings.seeds_dir, settings.knowledge_dir, settings.state_dir)
    ledger = EventLedger(settings.state_dir / "events.sqlite3")
    yield create_bolt_app(settings, holder, ledger), holder


def dispatch(app: App, body: str, **sign: Any) -> BoltResponse:
    headers = {k.lower(): v for k, v in signed_headers(body, **sign).items()}
    content_type = (
        "application/json" if body.startswith("{") else "application/x-www-form-urlencoded"
    )
    return app.dispatch(BoltRequest(body=body, headers={**headers, "content-type": content_type}))


def dm(text: str, channel: str, user: str = ASKER) -> str:
    event = {
        "type": "message",
        "channel_type": "im",
        "channel": channel,
        "user": user,
        "text": text,
        "ts": "1700000700.000100",
    }
    return event_body(event, f"Ev{channel}")


def test_strip_mentions_removes_only_the_bot() -> None:
    text = f"<@{BOT_USER_ID}> what did <@U0OTHER> say?  <@{BOT_USER_ID}|peacebot>"
    assert strip_mentions(text, BOT_USER_ID) == "what did <@U0OTHER> say?"
    assert strip_mentions("<@U0ANY> nato", None) == "nato"


def test_help_sources_and_reload_work_in_a_dm(
    app: tuple[App, AnswererHolder], fake: FakeSlack
) -> None:
    bolt, _ = app
    for text, channel in (("help", "D0L1"), ("SOURCES", "D0L2"), ("reload", "D0L3")):
        assert dispatch(bolt, dm(text, channel)).status == 200
    assert dispatch(bolt, dm("reload", "D0L4", user=ADMIN)).status == 200
    posts = {
        c.body["channel"]: c.body["text"]
        for c in fake.wait_for(lambda c: c.body.get("channel", "").startswith("D0L"), count=4)
    }
    assert "/peace sources" in posts["D0L1"]
    assert "NextMinuteNews" in posts["D0L2"]
    assert "only peacebot admins" in posts["D0L3"]
    assert "Reloaded the fact base" in posts["D0L4"]


def test_a_bare_mention_gets_the_help(app: tuple[App, AnswererHolder], fake: FakeSlack) -> None:
    event = {
        "type": "app_mention",
        "user": ASKER,
        "channel": "C0BARE",
        "ts": "1.2",
        "text": f"<@{BOT_USER_ID}>",
    }
    assert dispatch(app[0], event_body(event, "EvBare")).status == 200
    [post] = fake.wait_for(lambda c: c.body.get("channel") == "C0BARE")
    assert post.body["text"] == blocks.help_message()["text"]


def test_a_failing_slash_command_apologises_without_the_error_text(
    app: tuple[App, AnswererHolder], fake: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    bolt, holder = app
    holder._answerer = Exploding()  # type: ignore[assignment]
    with caplog.at_level(logging.INFO):
        response = dispatch(bolt, slash_body("nato", ASKER, fake.response_url("boom")))
    assert response.status == 200
    message = json.loads(response.body)
    assert message["response_type"] == "ephemeral"
    assert message["text"] == blocks.APOLOGY
    assert "RuntimeError" in caplog.text and "1337.42.trigger" in caplog.text
    assert SECRET_TEXT not in caplog.text and "boom" not in caplog.text


def test_a_failing_mention_and_button_apologise_where_they_were_asked(
    app: tuple[App, AnswererHolder], fake: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    bolt, holder = app
    holder._answerer = Exploding()  # type: ignore[assignment]
    event = {
        "type": "app_mention",
        "user": ASKER,
        "channel": "C0FAIL",
        "ts": "1.3",
        "thread_ts": "1.1",
        "text": f"<@{BOT_USER_ID}> nato",
    }
    with caplog.at_level(logging.INFO):
        assert dispatch(bolt, event_body(event, "EvFail")).status == 200
        [post] = fake.wait_for(lambda c: c.body.get("channel") == "C0FAIL")
        url = fake.response_url("fail-button")
        action = {"action_id": blocks.ACTION_SHARE, "value": f"{ASKER}|nato"}
        assert dispatch(bolt, action_body(action, ASKER, url)).status == 200
        [apology] = fake.wait_for(lambda c: c.path == "/respond/fail-button")
    assert post.body["text"] == blocks.APOLOGY and post.body["thread_ts"] == "1.1"
    assert apology.body["text"] == blocks.APOLOGY
    assert apology.body["response_type"] == "ephemeral"
    assert "EvFail" in caplog.text and SECRET_TEXT not in caplog.text


def test_a_stale_request_is_refused_before_any_listener_runs(
    app: tuple[App, AnswererHolder], fake: FakeSlack
) -> None:
    before = len(fake.snapshot())
    response = dispatch(app[0], dm("nato", "D0STALE"), timestamp=1_600_000_000)
    assert response.status == 401
    assert fake.snapshot()[before:] == []


def test_http_mode_needs_a_signing_secret(fake: FakeSlack, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="SLACK_SIGNING_SECRET"):
        create_wsgi_app(make_settings(fake, tmp_path, SLACK_SIGNING_SECRET=None))


def test_a_request_whose_signature_check_raises_is_refused_and_never_acted_on(
    app: tuple[App, AnswererHolder], fake: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    # Straight into Bolt, past the WSGI app's header check: a non-ASCII signature makes the
    # verifier raise (hmac.compare_digest), so Bolt hands the error to our error handler with the
    # forged body. It must answer 401 and neither post, nor respond, nor log the body's ids.
    bolt, _ = app
    mention = {
        "type": "app_mention",
        "user": ASKER,
        "channel": "C0FORGED",
        "ts": "1.4",
        "text": f"<@{BOT_USER_ID}> nato",
    }
    action = {"action_id": blocks.ACTION_SHARE, "value": f"{ASKER}|nato"}
    forged = [
        event_body(mention, "EvForgedMention"),
        action_body(action, ASKER, fake.response_url("forged-button")),
        slash_body("nato", ADMIN, fake.response_url("forged-slash")),
    ]
    before = len(fake.snapshot())
    with caplog.at_level(logging.INFO):
        for body in forged:
            headers = {k.lower(): v for k, v in signed_headers(body).items()}
            headers["x-slack-signature"] = "v0=" + "é" * 64
            content_type = (
                "application/json" if body.startswith("{") else "application/x-www-form-urlencoded"
            )
            request = BoltRequest(body=body, headers={**headers, "content-type": content_type})
            response = bolt.dispatch(request)
            assert response.status == 401, (body[:40], response.status, response.body)
    time.sleep(0.3)  # an apology would be sent from a listener thread
    assert fake.snapshot()[before:] == []
    assert "TypeError" in caplog.text
    assert "EvForgedMention" not in caplog.text and "1337.4" not in caplog.text


def test_with_no_admins_nobody_can_reload(fake: FakeSlack, tmp_path: Path) -> None:
    settings = make_settings(fake, tmp_path, PEACEBOT_ADMINS="")
    assert settings.admins == frozenset()
    holder = AnswererHolder(settings.seeds_dir, settings.knowledge_dir, settings.state_dir)
    bolt = create_bolt_app(settings, holder, EventLedger(settings.state_dir / "events.sqlite3"))
    loaded_at = holder.loaded_at
    for user, channel in ((ADMIN, "D0NOADMIN1"), ("", "D0NOADMIN2")):
        assert dispatch(bolt, dm("reload", channel, user=user)).status == 200
        [post] = fake.wait_for(lambda c, channel=channel: c.body.get("channel") == channel)
        assert "only peacebot admins" in post.body["text"]
    assert holder.loaded_at == loaded_at  # nothing was reloaded
