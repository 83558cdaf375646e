"""What admins get in Slack and what the question log records from each surface: the real Bolt
app with its middleware, requests dispatched in-process, the fake Slack Web API behind it."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_bolt import App

from bot import blocks
from bot.holder import AnswererHolder, reload_files
from bot.ledger import EventLedger
from bot.questionlog import LOG_NAME, QuestionLog
from bot.slack_app import Command, create_bolt_app, parse_command
from tests.slack.conftest import ADMIN, ASKER, make_settings
from tests.slack.fake_slack import BOT_USER_ID, FakeSlack, action_body, event_body, slash_body
from tests.slack.test_listeners import dispatch, dm


@pytest.fixture
def app(fake: FakeSlack, tmp_path: Path) -> Iterator[tuple[App, Path]]:
    settings = make_settings(fake, tmp_path)
    holder = AnswererHolder(settings.seeds_dir, settings.knowledge_dir, settings.state_dir)
    ledger = EventLedger(settings.state_dir / "events.sqlite3")
    yield create_bolt_app(settings, holder, ledger), settings.state_dir / LOG_NAME


def logged(path: Path) -> list[dict[str, Any]]:
    with sqlite3.connect(path) as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute("SELECT * FROM questions ORDER BY id")]


def test_commands_with_days_are_parsed_and_questions_are_not() -> None:
    assert parse_command("gaps") == Command("gaps", 30)
    assert parse_command("  Gaps 7 ") == Command("gaps", 7)
    assert parse_command("stats 90 days") == Command("stats", 90)
    assert parse_command("stats 99999") == Command("stats", 3650)
    assert parse_command("gaps 0") == Command("gaps", 1)
    assert parse_command("gaps in the plan") is None
    assert parse_command("reload now please") is None
    assert parse_command("") == Command("help")


def test_every_surface_is_logged_and_a_vote_lands_on_its_row(
    app: tuple[App, Path], fake: FakeSlack
) -> None:
    bolt, path = app
    reply = dispatch(bolt, slash_body("who rejected the plan?", ASKER, fake.response_url("s1")))
    message = json.loads(reply.body)
    mention = {
        "type": "app_mention",
        "user": ASKER,
        "channel": "C0LOG",
        "ts": "1.7",
        "text": f"<@{BOT_USER_ID}> what is the price of bitcoin?",
    }
    assert dispatch(bolt, event_body(mention, "EvLogMention")).status == 200
    assert dispatch(bolt, dm("nato 20 years", "D0LOG")).status == 200
    fake.wait_for(lambda c: c.body.get("channel") in {"C0LOG", "D0LOG"}, count=2)
    for command in ("help", "sources"):  # commands are not questions
        dispatch(bolt, slash_body(command, ASKER, fake.response_url("s2")))
    rows = logged(path)
    # The slash command first; the events, answered in threads of their own, in either order.
    assert [(r["surface"], r["text"], r["answered"]) for r in rows[:1]] == [
        ("slash", "who rejected the plan", 1)
    ]
    assert sorted((r["surface"], r["text"], r["answered"]) for r in rows[1:]) == [
        ("dm", "nato 20 years", 1),
        ("mention", "what is the price of bitcoin", 0),
    ]
    down = message["blocks"][-1]["elements"][2]
    assert blocks.decode_value(down["value"]).log_id == rows[0]["id"]
    url = fake.response_url("vote")
    action = {"action_id": down["action_id"], "value": down["value"]}
    assert dispatch(bolt, action_body(action, ASKER, url)).status == 200
    [thanked] = fake.wait_for(lambda c: c.path == "/respond/vote")
    assert "Thanks for the feedback" in json.dumps(thanked.body)
    assert logged(path)[0]["feedback"] == "down"
    # The thank-you keeps the log id on its Share button; sharing logs nothing new.
    share = thanked.body["blocks"][-2]["elements"][0]
    assert blocks.decode_value(share["value"]).log_id == rows[0]["id"]
    url = fake.response_url("share")
    action = {"action_id": share["action_id"], "value": share["value"]}
    assert dispatch(bolt, action_body(action, ASKER, url)).status == 200
    fake.wait_for(lambda c: c.path == "/respond/share", count=2)
    assert len(logged(path)) == 3


def test_a_suggestion_click_is_logged_as_one(app: tuple[App, Path], fake: FakeSlack) -> None:
    bolt, path = app
    reply = dispatch(bolt, slash_body("price of bitcoin", ASKER, fake.response_url("d")))
    declined = json.loads(reply.body)
    suggestions = next(b for b in declined["blocks"] if b.get("block_id") == "peace_suggestions")
    first = suggestions["elements"][0]
    url = fake.response_url("suggested")
    action = {"action_id": first["action_id"], "value": first["value"]}
    assert dispatch(bolt, action_body(action, ASKER, url)).status == 200
    fake.wait_for(lambda c: c.path == "/respond/suggested")
    assert [r["surface"] for r in logged(path)] == ["slash", "suggestion"]


def test_gaps_and_stats_are_for_admins(app: tuple[App, Path], fake: FakeSlack) -> None:
    bolt, _ = app
    for question in ("price of bitcoin", "bitcoin price?", "what's the bitcoin price"):
        dispatch(bolt, slash_body(question, ASKER, fake.response_url("q")))
    for text, user, name in (
        ("gaps", ASKER, "g1"),
        ("stats 7", ASKER, "g2"),
        ("gaps 7", ADMIN, "g3"),
        ("stats", ADMIN, "g4"),
    ):
        reply = dispatch(bolt, slash_body(text, user, fake.response_url(name)))
        assert reply.status == 200 and reply.body == ""  # acknowledged; the outcome follows
    posts = {
        c.path.rsplit("/", 1)[1]: c.body
        for c in fake.wait_for(lambda c: c.path.startswith("/respond/g"), count=4)
    }
    assert "only peacebot admins can see what people asked" in posts["g1"]["text"]
    assert "only peacebot admins" in posts["g2"]["text"]
    assert "*3×* _" in posts["g3"]["text"] and "bitcoin" in posts["g3"]["text"]
    assert "3 questions from 1 people, 0% answered" in posts["g4"]["text"]
    assert all(p["response_type"] == "ephemeral" for p in posts.values())


def test_the_app_home_shows_admins_the_top_gaps(app: tuple[App, Path], fake: FakeSlack) -> None:
    bolt, _ = app
    dispatch(bolt, slash_body("price of bitcoin", ASKER, fake.response_url("h")))
    for user in (ASKER, ADMIN):
        event = {"type": "app_home_opened", "user": user, "channel": "D0H", "tab": "home"}
        assert dispatch(bolt, event_body(event, f"EvHomeGaps{user}")).status == 200
    views = {
        c.body["user_id"]: json.dumps(c.body["view"])
        for c in fake.wait_for(
            lambda c: c.method == "views.publish" and c.body["user_id"] in {ASKER, ADMIN}, count=2
        )
    }
    assert "Top gaps, last 30 days" in views[ADMIN] and "price of bitcoin" in views[ADMIN]
    assert "Top gaps" not in views[ASKER]


def test_with_logging_off_nothing_is_stored_and_admins_are_told(
    fake: FakeSlack, tmp_path: Path
) -> None:
    settings = make_settings(fake, tmp_path, PEACEBOT_LOG_QUESTIONS="false")
    holder = AnswererHolder(settings.seeds_dir, settings.knowledge_dir, settings.state_dir)
    ledger = EventLedger(settings.state_dir / "events.sqlite3")
    log = QuestionLog.from_settings(settings)
    bolt = create_bolt_app(settings, holder, ledger, log)
    reply = dispatch(bolt, slash_body("nato 20 years", ASKER, fake.response_url("off1")))
    value = json.loads(reply.body)["blocks"][-1]["elements"][0]["value"]
    assert blocks.decode_value(value).log_id is None
    dispatch(bolt, slash_body("gaps", ADMIN, fake.response_url("off2")))
    [post] = fake.wait_for(lambda c: c.path == "/respond/off2")
    assert "Question logging is off" in post.body["text"]
    assert not (settings.state_dir / LOG_NAME).exists()


def test_gaps_are_never_posted_into_a_channel(app: tuple[App, Path], fake: FakeSlack) -> None:
    bolt, _ = app
    dispatch(bolt, slash_body("price of bitcoin", ASKER, fake.response_url("p")))
    mention = {
        "type": "app_mention",
        "user": ADMIN,
        "channel": "C0PUBLICGAPS",
        "ts": "1.8",
        "text": f"<@{BOT_USER_ID}> gaps",
    }
    assert dispatch(bolt, event_body(mention, "EvPublicGaps")).status == 200
    [post] = fake.wait_for(lambda c: c.body.get("channel") == "C0PUBLICGAPS")
    assert "only to you" in post.body["text"] and "bitcoin" not in json.dumps(post.body)
    assert post.method == "chat.postEphemeral" and post.body["user"] == ADMIN
    assert dispatch(bolt, dm("gaps", "D0PRIVATEGAPS", user=ADMIN)).status == 200
    [private] = fake.wait_for(lambda c: c.body.get("channel") == "D0PRIVATEGAPS")
    assert "price of bitcoin" in private.body["text"]


def test_a_reload_asked_in_a_channel_is_answered_only_to_the_asker(
    app: tuple[App, Path], fake: FakeSlack, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bolt, _ = app
    (tmp_path / "seeds" / "010_brief.txt").write_text(
        "Ceasefire talks resume in Geneva\nDelegates met in Geneva on Tuesday.", encoding="utf-8"
    )
    caplog.set_level(logging.INFO)  # the listeners log from Bolt's worker threads
    for user, channel in ((ASKER, "C0RELOADNO"), (ADMIN, "C0RELOADYES")):
        mention = {
            "type": "app_mention",
            "user": user,
            "channel": channel,
            "ts": "1.9",
            "text": f"<@{BOT_USER_ID}> reload",
        }
        assert dispatch(bolt, event_body(mention, f"Ev{channel}")).status == 200
        [post] = fake.wait_for(lambda c, channel=channel: c.body.get("channel") == channel)
        assert post.method == "chat.postEphemeral" and post.body["user"] == user
        assert post.body["thread_ts"] == "1.9"
    [done] = fake.find(lambda c: c.body.get("channel") == "C0RELOADYES")
    assert "010_brief.txt" in done.body["text"]
    assert not fake.find(lambda c: c.method == "chat.postMessage" and "C0RELOAD" in str(c.body))
    # Refusals are logged without the user id.
    assert "reload refused" in caplog.text and ASKER not in caplog.text


def test_a_request_never_loads_another_process_s_reload(fake: FakeSlack, tmp_path: Path) -> None:
    settings = make_settings(fake, tmp_path)
    holder = AnswererHolder(settings.seeds_dir, settings.knowledge_dir, settings.state_dir)
    ledger = EventLedger(settings.state_dir / "events.sqlite3")
    bolt = create_bolt_app(settings, holder, ledger)
    before = holder.base.fingerprint
    (tmp_path / "seeds" / "010_brief.txt").write_text(
        "Ceasefire talks resume in Geneva\nDelegates met in Geneva on Tuesday.", encoding="utf-8"
    )
    # Another process (the command line) reloads.
    assert reload_files(settings.seeds_dir, settings.knowledge_dir, settings.state_dir).ok
    reply = dispatch(bolt, slash_body("who rejected the plan?", ASKER, fake.response_url("s")))
    assert reply.status == 200 and "reject" in reply.body
    assert holder.base.fingerprint == before  # the request did not wait for a load
    assert holder.sync()  # the background poll adopts it (within POLL_SECONDS)
    assert holder.base.fingerprint != before


def test_a_new_article_is_listed_and_answers_after_a_reload(
    app: tuple[App, Path], fake: FakeSlack, tmp_path: Path
) -> None:
    bolt, path = app
    (tmp_path / "seeds" / "010_brief.txt").write_text(
        "Ceasefire talks resume in Geneva\nDelegates met in Geneva on Tuesday to discuss grain "
        "corridor inspections.",
        encoding="utf-8",
    )
    for text, channel in (("reload", "D0NEW1"), ("sources", "D0NEW2")):
        assert dispatch(bolt, dm(text, channel, user=ADMIN)).status == 200
        fake.wait_for(lambda c, channel=channel: c.body.get("channel") == channel)
    [reloaded] = fake.find(lambda c: c.body.get("channel") == "D0NEW1")
    [sources] = fake.find(lambda c: c.body.get("channel") == "D0NEW2")
    assert "Sources added (1): `010_brief.txt`" in reloaded.body["text"]
    assert "2 in `010_brief.txt`" in reloaded.body["text"]  # sentences no fact cites yet
    assert "Ceasefire talks resume in Geneva" in sources.body["text"]
    reply = dispatch(bolt, slash_body("grain corridor inspections", ASKER, fake.response_url("n")))
    answer = json.loads(reply.body)
    assert "Delegates met in Geneva" in json.dumps(answer["blocks"][1])
    assert "Ceasefire talks resume in Geneva" in json.dumps(answer["blocks"][2])
    assert logged(path)[-1]["match"] == "010_brief.txt#2"
    assert logged(path)[-1]["match_kind"] == "passage"
