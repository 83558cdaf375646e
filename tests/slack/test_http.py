"""The app as Slack talks to it: the Procfile's `web:` command (gunicorn, two worker processes)
on loopback, signed requests over real HTTP, and a fake Slack Web API that records every call."""

from __future__ import annotations

import html
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.holder import POLL_SECONDS, AnswererHolder
from knowledge.models import FactBase
from knowledge.store import load_fact_base
from tests.conftest import ROOT, clean_environment
from tests.slack.conftest import ADMIN, ASKER, copy_fact_base, free_port, procfile_command
from tests.slack.fake_slack import (
    BOT_ID,
    BOT_TOKEN,
    BOT_USER_ID,
    SIGNING_SECRET,
    Call,
    FakeSlack,
    Reply,
    action_body,
    content_type_for,
    event_body,
    http_request,
    post_signed,
    signed_headers,
    slash_body,
)

BROADCASTS = ("<!channel>", "<!here>", "<!everyone>", "<!subteam")
NEW_FACT = """
[[fact]]
id = "test-reload-zebra"
topic = "A fact added while the server runs"
phrasings = ["what did the zebra committee decide?"]

[[fact.citations]]
source = "000_80ebed28bbef419f.txt"
excerpt = "Moscow has firmly rejected a reported US-backed peace proposal for Ukraine"
"""


@dataclass
class Web:
    """The running web process and what it was given."""

    port: int
    fake: FakeSlack
    knowledge: Path
    state: Path
    log: Path
    process: subprocess.Popen
    counter: int = 0
    workers: int = 2

    def response_url(self) -> str:
        self.counter += 1
        return self.fake.response_url(f"r{self.counter}")

    def slash(self, text: str, user: str = ASKER) -> tuple[Reply, str]:
        url = self.response_url()
        return post_signed(self.port, slash_body(text, user, url)), url

    def event(self, event: dict[str, Any], event_id: str, retry: int | None = None) -> Reply:
        extra = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        return post_signed(self.port, event_body(event, event_id), extra if retry else None)

    def action(
        self, action: dict[str, Any], user: str = ASKER, with_url: bool = True, **options: Any
    ) -> str:
        url = self.response_url()
        body = action_body(action, user, url if with_url else None, **options)
        reply = post_signed(self.port, body)
        assert reply.status == 200, reply.text
        return url

    def base(self) -> FactBase:
        """The fact base the server was given (its private copy, as it is on disk now)."""
        return load_fact_base(self.knowledge.parent / "seeds", self.knowledge)

    def health(self) -> dict[str, Any]:
        reply = http_request(self.port, "GET", "/healthz")
        assert reply.status == 200, reply.text
        return reply.json()

    def every_worker(self, want: int | None = None, tries: int = 300) -> dict[int, dict[str, Any]]:
        """/healthz from each worker process (new connections until `want` pids answered)."""
        want = want or self.workers
        seen: dict[int, dict[str, Any]] = {}
        for _ in range(tries):
            health = self.health()
            seen[health["pid"]] = health
            if len(seen) >= want:
                return seen
            time.sleep(0.01)
        raise AssertionError(f"only workers {sorted(seen)} answered")


def start_web(fake: FakeSlack, root: Path, workers: int = 2, **env_overrides: str) -> Web:
    """The Procfile's `web:` command on a free loopback port, serving `root`'s seeds/,
    knowledge/ and state/, once every worker answers /healthz."""
    seeds, knowledge = root / "seeds", root / "knowledge"
    state, port = root / "state", free_port()
    log = root / f"gunicorn-{port}.log"
    env = clean_environment()
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        HOST="127.0.0.1",  # loopback only: the Procfile binds ${HOST:-0.0.0.0}
        PORT=str(port),
        WEB_CONCURRENCY=str(workers),
        XDG_RUNTIME_DIR=str(root),  # gunicorn's control socket goes here, not in $HOME
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake.api_url,
        PEACEBOT_ADMINS=ADMIN,
        PEACEBOT_SEEDS_DIR=str(seeds),
        PEACEBOT_KNOWLEDGE_DIR=str(knowledge),
        PEACEBOT_STATE_DIR=str(state),
        PEACEBOT_LOG_LEVEL="INFO",
        **env_overrides,
    )
    with log.open("w") as output:
        process = subprocess.Popen(
            ["bash", "-c", "exec " + procfile_command("web")],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    server = Web(port, fake, knowledge, state, log, process, workers=workers)
    deadline = time.monotonic() + 30
    try:
        while True:
            assert process.poll() is None, log.read_text()
            try:
                server.every_worker()
                break
            except (OSError, AssertionError):
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
        assert f"Listening at: http://127.0.0.1:{port} " in log.read_text()
    except BaseException:
        stop_web(server)
        raise
    return server


def stop_web(server: Web) -> str:
    """Stop the server; its log, checked for secrets and tracebacks."""
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
    text = server.log.read_text()
    assert BOT_TOKEN not in text and SIGNING_SECRET not in text
    assert "Traceback" not in text, text
    return text


@pytest.fixture(scope="module")
def web(fake: FakeSlack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    root = tmp_path_factory.mktemp("web")
    copy_fact_base(root)
    server = start_web(fake, root)
    try:
        yield server
    finally:
        stop_web(server)


# How long a test waits for processes to adopt a reload before it fails: twenty poll intervals
# (`bot.holder.POLL_SECONDS`), loose enough for a shared, loaded machine, tight enough to catch a
# process that stopped looking. How fast an idle process adopts one is timed by
# `python benchmarks/curation.py`, not here.
SETTLE_SECONDS = 20 * POLL_SECONDS


def same_everywhere(servers: list[Web], fingerprint: str, within: float = SETTLE_SECONDS) -> float:
    """Seconds until every worker of every server reports `fingerprint` (fails after
    `within`)."""
    began = time.monotonic()
    while True:
        seen = {h["fingerprint"] for server in servers for h in server.every_worker().values()}
        if seen == {fingerprint}:
            return time.monotonic() - began
        assert time.monotonic() - began < within, seen
        time.sleep(0.05)


def posts_to(channel: str) -> Any:
    return lambda c: c.method == "chat.postMessage" and c.body.get("channel") == channel


def response_posts(fake: FakeSlack, url: str, count: int = 1) -> list[Call]:
    path = "/" + url.split("/", 3)[3]
    return fake.wait_for(lambda c: c.path == path, count)


def all_text(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False)


def unescape_quote(block: dict[str, Any]) -> str:
    lines = block["text"]["text"].split("\n")
    assert all(line.startswith("> ") for line in lines)
    return html.unescape("\n".join(line[2:] for line in lines))


def seed_text(name: str) -> str:
    return (ROOT / "seeds" / name).read_text(encoding="utf-8")


# -- health and signatures -------------------------------------------------------------------


def test_healthz_reports_the_fact_base_each_worker_serves(web: Web) -> None:
    expected = web.base()
    workers = web.every_worker()
    assert len(workers) == 2
    for health in workers.values():
        assert health["status"] == "ok"
        assert health["facts"] == len(expected.facts)
        assert health["sources"] == len(expected.sources)
        assert health["fingerprint"] == expected.fingerprint


def test_url_verification_is_answered(web: Web) -> None:
    body = json.dumps({"token": "legacy", "challenge": "c-3p0", "type": "url_verification"})
    reply = post_signed(web.port, body)
    assert reply.status == 200
    assert reply.json() == {"challenge": "c-3p0"}


def test_unsigned_forged_or_stale_requests_get_401_and_do_nothing(web: Web) -> None:
    before = len(web.fake.snapshot())
    url = web.response_url()
    slash = slash_body("who rejected the plan?", ADMIN, url)
    mention = event_body(
        {
            "type": "app_mention",
            "user": ASKER,
            "channel": "C0FORGED",
            "ts": "1.0",
            "text": f"<@{BOT_USER_ID}> nato",
        },
        "EvForgedMention",
    )
    click = action_body({"action_id": "peace_share", "value": f"{ASKER}|nato"}, ASKER, url)
    event = event_body(
        {
            "type": "message",
            "channel_type": "im",
            "channel": "D0FORGED",
            "user": ASKER,
            "text": "nato",
            "ts": "1.0",
        },
        "EvForged",
    )
    stale = int(time.time()) - 6 * 60
    attempts = [
        ("no signature", slash, {"Content-Type": "application/x-www-form-urlencoded"}),
        ("wrong secret", slash, signed_headers(slash, secret="not-the-secret")),
        ("stale timestamp", slash, signed_headers(slash, timestamp=stale)),
        ("future timestamp", event, signed_headers(event, timestamp=int(time.time()) + 6 * 60)),
        ("body changed after signing", event.replace("nato", "NATO"), signed_headers(event)),
        (
            "timestamp not a number",
            slash,
            {**signed_headers(slash), "X-Slack-Request-Timestamp": "soon"},
        ),
    ]
    # A non-ASCII signature made the verifier raise, and the error handler then acted on the
    # forged body; any signature not shaped like Slack's is refused before Bolt sees it.
    malformed = {
        "non-ASCII": "v0=" + "é" * 64,
        "non-ASCII, short": "v0=\u00ff",
        "upper-case hex": "v0=" + "AB" * 32,
        "too short": "v0=" + "ab" * 31,
        "too long": "v0=" + "ab" * 33,
        "other version": "v1=" + "ab" * 32,
        "empty": "",
    }
    for kind, signature in malformed.items():
        for body in (slash, mention, click):
            # http.client sends str header values as latin-1: "é" goes out as the byte 0xE9.
            headers = {**signed_headers(body), "X-Slack-Signature": signature}
            headers["Content-Type"] = content_type_for(body)
            attempts.append((f"{kind} signature", body, headers))
    for name, body, headers in attempts:
        reply = http_request(web.port, "POST", "/slack/events", body, headers)
        assert reply.status == 401, (name, reply.status, reply.text)
    # A valid request afterwards is answered, and by then nothing was done for the bad ones.
    reply, _ = web.slash("help")
    assert reply.status == 200
    time.sleep(0.3)
    assert web.fake.snapshot()[before:] == []
    # Refused in front of Bolt: its verifier never saw (and never raised on) a bad signature.
    assert "TypeError" not in web.log.read_text()


# -- /peace ----------------------------------------------------------------------------------


def test_slash_question_is_answered_ephemerally_with_cited_excerpts(web: Web) -> None:
    reply, _ = web.slash("who rejected the plan?")
    assert reply.status == 200
    message = reply.json()
    assert message["response_type"] == "ephemeral"
    blocks = message["blocks"]
    assert blocks[0]["text"]["text"].startswith(f"<@{ASKER}> asked: ")
    quote = unescape_quote(blocks[1])
    assert "rejected" in quote
    assert any(
        quote in seed_text(name)
        for name in ("000_80ebed28bbef419f.txt", "002_f5c7fe294e905a4b.txt")
    )
    source_line = blocks[2]["elements"][0]["text"]
    assert blocks[2]["type"] == "context" and " — " in source_line
    actions = blocks[-1]["elements"]
    assert [a["action_id"] for a in actions] == [
        "peace_share",
        "peace_feedback_up",
        "peace_feedback_down",
    ]
    assert message["text"]  # the plain fallback


def test_help_and_bare_command_explain_usage(web: Web) -> None:
    for text in ("help", "", "  HELP "):
        reply, _ = web.slash(text)
        message = reply.json()
        assert message["response_type"] == "ephemeral"
        for usage in ("/peace sources", "/peace help", "/peace reload", "admins only"):
            assert usage in message["blocks"][0]["text"]["text"]


def test_sources_lists_every_article_with_title_and_outlet(web: Web) -> None:
    reply, _ = web.slash("sources")
    text = all_text(reply.json()["blocks"])
    base = web.base()
    for source in base.sources.values():
        for piece in source.pieces:
            assert piece.title in text and piece.outlet in text


def test_hostile_and_odd_input_gets_a_polite_escaped_reply(web: Web) -> None:
    hostile = "<!channel> <!here|here> <!everyone> <!subteam^S0TEAM|@team> <@U0OTHER> "
    hostile += "nato 20 years & more"
    reply, _ = web.slash(hostile)
    assert reply.status == 200
    for broadcast in BROADCASTS:
        assert broadcast not in reply.text
    assert "&lt;!channel&gt;" in reply.text and "&amp; more" in reply.text
    assert reply.json()["blocks"][1]["text"]["text"].startswith("> ")  # answered: NATO, 20 years
    # Slack escapes &, < and > in the text it sends: shown once escaped, never twice.
    reply, _ = web.slash("AT&amp;T &lt;3 nato 20 years")
    assert "AT&amp;T &lt;3" in reply.json()["blocks"][0]["text"]["text"]
    assert "&amp;amp;" not in reply.text and "&amp;lt;" not in reply.text

    long_question = ("Что сказал 🇺🇦 Zelensky 和平 about NATO? <!here> " * 400)[:20_000]
    assert len(long_question.encode("utf-8")) > 20_000
    for text in (long_question, "🕊️🕊️🕊️", "frobnicate --force", "reload now please"):
        reply, _ = web.slash(text)
        assert reply.status == 200, text[:40]
        message = reply.json()
        assert message["response_type"] == "ephemeral"
        assert message["blocks"], text[:40]
        assert not any(b in reply.text for b in BROADCASTS)
        assert len(message["blocks"][0]["text"]["text"]) <= 3000
    declined = web.slash("frobnicate --force")[0].json()
    assert "don't answer that" in declined["blocks"][1]["text"]["text"]
    assert web.health()["status"] == "ok"  # no worker went down


# -- reload ----------------------------------------------------------------------------------


def test_reload_by_a_non_admin_is_refused_politely(web: Web) -> None:
    fingerprint = web.health()["fingerprint"]
    reply, url = web.slash("reload", user=ASKER)
    assert reply.status == 200 and reply.text == ""
    [post] = response_posts(web.fake, url)
    assert post.body["response_type"] == "ephemeral"
    assert "only peacebot admins" in post.body["text"]
    assert all(h["fingerprint"] == fingerprint for h in web.every_worker().values())


def test_reload_reports_changes_and_every_worker_adopts_them(web: Web) -> None:
    question = "what did the zebra committee decide?"
    before = web.slash(question)[0].json()
    assert "don't answer that" in all_text(before)
    extra = web.knowledge / "facts" / "zz_reload_test.toml"
    extra.write_text(NEW_FACT, encoding="utf-8")
    try:
        reply, url = web.slash("reload", user=ADMIN)
        assert reply.status == 200
        [post] = response_posts(web.fake, url)
        assert "Reloaded the fact base" in post.body["text"]
        assert "Facts added (1): `test-reload-zebra`" in post.body["text"]
        new = web.base().fingerprint
        marker = json.loads((web.state / "fact_base.json").read_text())
        assert marker["fingerprint"] == new
        assert "Sentences no fact cites yet" in post.body["text"]
        # Both worker processes serve the new fact base (one reloaded, the other followed).
        same_everywhere([web], new)
        for _ in range(6):  # fresh connections: the answers come from either worker
            answer = web.slash(question)[0].json()
            assert "Moscow has firmly rejected" in all_text(answer["blocks"][1])
    finally:
        extra.unlink()
        reply, url = web.slash("reload", user=ADMIN)
        [post] = response_posts(web.fake, url)
        assert "Facts removed (1): `test-reload-zebra`" in post.body["text"]
        same_everywhere([web], web.base().fingerprint)


def test_reload_of_a_broken_fact_base_reports_the_problems_and_keeps_serving(web: Web) -> None:
    [fingerprint] = {h["fingerprint"] for h in web.every_worker().values()}
    plan = web.knowledge / "facts" / "plan.toml"
    original = plan.read_text(encoding="utf-8")
    plan.write_text(original.replace("Ukraine’s NATO", "Ukraine's NATO", 1), encoding="utf-8")
    try:
        _, url = web.slash("reload", user=ADMIN)
        [post] = response_posts(web.fake, url)
        text = post.body["text"]
        assert "kept serving the previous one" in text
        assert (
            "plan.toml: fact '" in text and "not verbatim in seeds/000_80ebed28bbef419f.txt" in text
        )
        assert all(h["fingerprint"] == fingerprint for h in web.every_worker().values())
        answer = web.slash("nato 20 years")[0].json()
        assert "delaying Ukraine’s NATO membership" in all_text(answer["blocks"][1])
    finally:
        plan.write_text(original, encoding="utf-8")


# -- events ----------------------------------------------------------------------------------


def test_app_mention_is_answered_in_its_thread_without_the_mention(web: Web) -> None:
    in_thread = {
        "type": "app_mention",
        "user": ASKER,
        "channel": "C0THREAD",
        "ts": "1700000100.000200",
        "thread_ts": "1700000100.000100",
        "text": f"<@{BOT_USER_ID}> who rejected the plan?",
        "event_ts": "1700000100.000200",
    }
    top_level = {**in_thread, "channel": "C0TOP", "ts": "1700000200.000300"}
    del top_level["thread_ts"]
    assert web.event(in_thread, "EvMention1").status == 200
    assert web.event(top_level, "EvMention2").status == 200
    [threaded] = web.fake.wait_for(posts_to("C0THREAD"))
    [started] = web.fake.wait_for(posts_to("C0TOP"))
    assert threaded.body["thread_ts"] == "1700000100.000100"
    assert started.body["thread_ts"] == "1700000200.000300"
    assert "rejected" in unescape_quote(threaded.body["blocks"][0])
    assert BOT_USER_ID not in threaded.body["text"]
    assert threaded.authorization == f"Bearer {BOT_TOKEN}"


def test_direct_message_is_answered_in_the_dm(web: Web) -> None:
    dm = {
        "type": "message",
        "channel_type": "im",
        "channel": "D0DIRECT",
        "user": ASKER,
        "text": "what did Macron say?",
        "ts": "1700000300.000100",
        "event_ts": "1700000300.000100",
    }
    assert web.event(dm, "EvDirect1").status == 200
    [post] = web.fake.wait_for(posts_to("D0DIRECT"))
    assert "thread_ts" not in post.body
    assert "Macron" in all_text(post.body["blocks"])


def test_messages_from_bots_from_itself_and_edits_are_ignored(web: Web) -> None:
    base = {
        "type": "message",
        "channel_type": "im",
        "user": ASKER,
        "text": "nato 20 years",
        "ts": "1.5",
    }
    ignored = {
        "D0BOT": {**base, "channel": "D0BOT", "bot_id": "B0OTHER"},
        "D0BOTMSG": {**base, "channel": "D0BOTMSG", "subtype": "bot_message", "user": None},
        "D0SELF": {**base, "channel": "D0SELF", "user": BOT_USER_ID, "bot_id": BOT_ID},
        "D0EDIT": {**base, "channel": "D0EDIT", "subtype": "message_changed"},
        "C0PUBLIC": {**base, "channel": "C0PUBLIC", "channel_type": "channel"},
        "C0BOTMENTION": {
            **base,
            "type": "app_mention",
            "channel": "C0BOTMENTION",
            "bot_id": "B0OTHER",
            "text": f"<@{BOT_USER_ID}> nato",
        },
    }
    for n, event in enumerate(ignored.values()):
        assert web.event(event, f"EvIgnored{n}").status == 200
    web.event({**base, "channel": "D0SENTINEL"}, "EvSentinel")
    web.fake.wait_for(posts_to("D0SENTINEL"))
    time.sleep(0.3)
    for channel in ignored:
        assert web.fake.find(posts_to(channel)) == [], channel


def test_a_retried_event_is_answered_once_whichever_worker_gets_it(web: Web) -> None:
    mention = {
        "type": "app_mention",
        "user": ASKER,
        "channel": "C0RETRY",
        "ts": "1700000400.000100",
        "text": f"<@{BOT_USER_ID}> nato 20 years",
        "event_ts": "1700000400.000100",
    }
    assert web.event(mention, "EvRetried").status == 200
    replies: list[int] = []
    deadline = time.monotonic() + 20
    # Concurrent retries on fresh connections, until both workers have refused some: the claim
    # is shared across processes, not just threads.
    while len(handled_by(web, "EvRetried")) < 2:
        assert time.monotonic() < deadline, handled_by(web, "EvRetried")
        threads = [
            threading.Thread(
                target=lambda n=n: replies.append(web.event(mention, "EvRetried", retry=n).status)
            )
            for n in (1, 2, 3) * 3
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        time.sleep(0.2)  # the listener runs (and logs) after the acknowledgement
    assert replies == [200] * len(replies)
    web.fake.wait_for(posts_to("C0RETRY"))
    web.event({**mention, "channel": "C0RETRYDONE"}, "EvRetrySentinel")
    web.fake.wait_for(posts_to("C0RETRYDONE"))
    time.sleep(0.3)
    assert len(web.fake.find(posts_to("C0RETRY"))) == 1
    with sqlite3.connect(web.state / "events.sqlite3") as db:
        rows = db.execute(
            "SELECT COUNT(*) FROM handled_events WHERE event_id = 'EvRetried'"
        ).fetchone()
    assert rows == (1,)


def handled_by(web: Web, event_id: str) -> set[int]:
    """The worker pids that logged refusing `event_id` as already handled."""
    pattern = rf"\[(\d+)\] bot\.ledger: event {event_id} already handled"
    return {int(pid) for pid in re.findall(pattern, web.log.read_text())}


# -- buttons and App Home --------------------------------------------------------------------


def test_suggestion_button_answers_the_suggestion_in_place(web: Web) -> None:
    declined = web.slash("what is the price of bitcoin")[0].json()
    suggestions = next(b for b in declined["blocks"] if b.get("block_id") == "peace_suggestions")
    first = suggestions["elements"][0]
    assert 1 <= len(suggestions["elements"]) <= 3
    url = web.action({"action_id": first["action_id"], "value": first["value"]}, ephemeral=True)
    [post] = response_posts(web.fake, url)
    assert post.body["replace_original"] is True and post.body["response_type"] == "ephemeral"
    blocks = post.body["blocks"]
    assert blocks[0]["text"]["text"].startswith(f"<@{ASKER}> asked: ")
    assert blocks[1]["text"]["text"].startswith("> ")  # an answer, quoted
    assert blocks[-1]["elements"][0]["action_id"] == "peace_share"


def test_share_posts_the_answer_publicly_attributed_to_the_asker(web: Web) -> None:
    answer = web.slash("macron quote")[0].json()
    share = answer["blocks"][-1]["elements"][0]
    url = web.action({"action_id": share["action_id"], "value": share["value"]}, ephemeral=True)
    public, removed = response_posts(web.fake, url, count=2)
    assert public.body["response_type"] == "in_channel" and public.body["replace_original"] is False
    assert public.body["blocks"][0]["text"]["text"].startswith(f"<@{ASKER}> asked: _macron quote_")
    assert public.body["blocks"][1:3] == answer["blocks"][1:3]  # the same excerpt and source
    assert "peace_share" not in all_text(public.body["blocks"])
    assert "peace_feedback_up" in all_text(public.body["blocks"])
    assert removed.body["delete_original"] is True


def test_feedback_is_acknowledged_in_place(web: Web) -> None:
    answer = web.slash("who rejected the plan?")[0].json()
    down = answer["blocks"][-1]["elements"][2]
    url = web.action({"action_id": down["action_id"], "value": down["value"]}, ephemeral=True)
    [post] = response_posts(web.fake, url)
    assert post.body["replace_original"] is True
    blocks = post.body["blocks"]
    assert blocks[:-2] == answer["blocks"][:-1]  # the answer itself is unchanged
    assert [e["action_id"] for e in blocks[-2]["elements"]] == ["peace_share"]
    assert "Thanks for the feedback" in blocks[-1]["elements"][0]["text"]


def test_app_home_shows_usage_sources_and_size_and_reload_for_admins(web: Web) -> None:
    for user, channel in ((ASKER, "D0HOME1"), (ADMIN, "D0HOME2")):
        event = {
            "type": "app_home_opened",
            "user": user,
            "channel": channel,
            "tab": "home",
            "event_ts": "1700000500.000100",
        }
        assert web.event(event, f"EvHome{user}").status == 200
    views = {
        c.body["user_id"]: c.body["view"]
        for c in web.fake.wait_for(lambda c: c.method == "views.publish", count=2)
    }
    base = web.base()
    for user, view in views.items():
        text = all_text(view)
        assert view["type"] == "home"
        assert "/peace sources" in text and f"{len(base.facts)} curated facts" in text
        assert "<!date^" in text  # when the fact base was loaded, in the reader's time zone
        assert all(p.title in text for s in base.sources.values() for p in s.pieces)
        assert ("peace_reload" in text) == (user == ADMIN)
    before = len(web.fake.find(lambda c: c.method == "views.publish"))
    web.action(
        {"action_id": "peace_reload", "value": "reload"},
        user=ADMIN,
        with_url=False,
        container={"type": "view", "view_id": "V0HOME"},
    )
    published = web.fake.wait_for(lambda c: c.method == "views.publish", count=before + 1)[-1]
    assert published.body["user_id"] == ADMIN
    assert "Reloaded the fact base" in all_text(published.body["view"])


# -- the question log -----------------------------------------------------------------------


def question_rows(web: Web) -> list[sqlite3.Row]:
    if not (web.state / "questions.sqlite3").exists():
        return []
    with sqlite3.connect(web.state / "questions.sqlite3") as db:
        db.row_factory = sqlite3.Row
        return db.execute("SELECT * FROM questions ORDER BY id").fetchall()


def test_questions_from_every_worker_are_logged_with_votes_and_no_user_ids(web: Web) -> None:
    before = len(question_rows(web))
    marker = "zebra quokka hovercraft"  # declined: no article mentions any of these
    answered = None
    for n in range(8):  # fresh connections: either worker process takes each one
        reply, _ = web.slash(f"what about the {marker} number {n}?")
        assert reply.status == 200
        answered = web.slash("who rejected the plan?")[0].json()
    rows = question_rows(web)[before:]
    assert len(rows) == 16
    assert {r["surface"] for r in rows} == {"slash"}
    declined = [r for r in rows if marker in r["text"]]
    assert len(declined) == 8 and not any(r["answered"] for r in declined)
    assert declined[0]["text"] == f"what about the {marker} number 0"
    assert all(r["user_hash"] and ASKER not in r["user_hash"] for r in rows)
    assert len({r["user_hash"] for r in rows}) == 1  # the same person, the same hash
    assert ASKER.encode() not in (web.state / "questions.sqlite3").read_bytes()
    # 👎 on an answer lands on its row.
    assert answered is not None
    down = answered["blocks"][-1]["elements"][2]
    web.action({"action_id": down["action_id"], "value": down["value"]}, ephemeral=True)
    row_id = int(down["value"].split("|")[1])
    deadline = time.monotonic() + 10
    while question_rows(web)[-1]["feedback"] != "down" or question_rows(web)[-1]["id"] != row_id:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    # Admins see them grouped as one gap; others may not look.
    _, url = web.slash("gaps 7", user=ADMIN)
    [post] = response_posts(web.fake, url)
    assert "last 7 days" in post.body["text"]
    assert re.search(
        rf"8× what about the {marker} number \d \(8 declined, 8 wordings\)", blocks_text(post.body)
    )
    assert re.search(r"\d× who rejected the plan \(\d :thumbsdown:\)", blocks_text(post.body))
    _, url = web.slash("stats", user=ADMIN)
    [post] = response_posts(web.fake, url)
    assert "answered" in post.body["text"] and "Top facts" in post.body["text"]
    _, url = web.slash("gaps", user=ASKER)
    [post] = response_posts(web.fake, url)
    assert "only peacebot admins" in post.body["text"]


def test_a_locked_question_log_leaves_slash_answers_unlogged_not_late(web: Web) -> None:
    web.slash("who rejected the plan?")  # the log exists, with its schema
    holder = sqlite3.connect(web.state / "questions.sqlite3", isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another writer holds the log
        for n in range(4):  # fresh connections: both workers meet the lock
            url = web.response_url()
            body = slash_body(f"who rejected the {'peace ' * n}plan?", ASKER, url)
            # Slack gives up on an acknowledgement after 3 seconds: so does this client.
            reply = post_signed(web.port, body, timeout=3.0)
            assert reply.status == 200, reply.text
            message = reply.json()
            assert "reject" in unescape_quote(message["blocks"][1])  # a real answer
            # Not logged, so the feedback buttons carry no row id (they only acknowledge).
            vote = message["blocks"][-1]["elements"][1]["value"]
            assert vote.split("|")[1] == ""
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    text = web.log.read_text()
    assert "question not logged" in text and "rejected" not in text
    reply, _ = web.slash("who rejected the plan?")  # logged again once the lock is gone
    assert reply.json()["blocks"][-1]["elements"][1]["value"].split("|")[1]


def blocks_text(message: dict[str, Any]) -> str:
    return (
        html.unescape(
            "\n".join(b["text"]["text"] for b in message["blocks"] if b.get("type") == "section")
        )
        .replace("*", "")
        .replace("_", "")
    )


# -- reloads reach every process, restarts serve the last good fact base --------------------


def test_a_command_line_reload_reaches_idle_workers_and_other_instances_by_themselves(
    web: Web, fake: FakeSlack, tmp_path: Path
) -> None:
    """`python -m bot reload` validates and marks; every worker of this server and of a second
    instance sharing the folders switches by itself, with no request to prompt it."""
    other = start_web(fake, web.knowledge.parent, workers=1)
    extra = web.knowledge / "facts" / "zz_cli_reload.toml"
    env = clean_environment()
    env.update(
        PEACEBOT_SEEDS_DIR=str(web.knowledge.parent / "seeds"),
        PEACEBOT_KNOWLEDGE_DIR=str(web.knowledge),
        PEACEBOT_STATE_DIR=str(web.state),
    )

    def reload() -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "bot", "reload"],
            capture_output=True, text=True, cwd=ROOT, env=env, timeout=60,
        )  # fmt: skip

    try:
        pids = [*web.every_worker(), *other.every_worker()]
        extra.write_text(NEW_FACT.replace("test-reload-zebra", "test-cli-zebra"), encoding="utf-8")
        result = reload()
        marked = time.monotonic()
        assert result.returncode == 0, result.stderr
        assert "facts added (1): test-cli-zebra" in result.stdout
        new = web.base().fingerprint
        assert new[:12] in result.stdout
        # No requests: the logs show each process adopting it by itself.
        while True:
            logs = web.log.read_text() + other.log.read_text()
            synced = {
                int(pid)
                for pid in re.findall(rf"\[(\d+)\] bot\.holder: synced to {new[:12]}", logs)
            }
            if synced >= set(pids):
                break
            assert time.monotonic() - marked < SETTLE_SECONDS, (synced, pids)
            time.sleep(0.02)
        # Once each process has logged the switch, each serves the new fact base.
        assert {
            h["fingerprint"] for h in [*web.every_worker().values(), *other.every_worker().values()]
        } == {new}
        reply = post_signed(
            other.port,
            slash_body("what did the zebra committee decide?", ASKER, web.response_url()),
        )
        assert "Moscow has firmly rejected" in all_text(reply.json()["blocks"][1])
        # A broken edit: exit status 1, each problem listed, everybody keeps serving.
        original = (web.knowledge / "facts" / "plan.toml").read_text(encoding="utf-8")
        (web.knowledge / "facts" / "plan.toml").write_text(
            original.replace("Ukraine’s NATO", "Ukraine's NATO", 1), encoding="utf-8"
        )
        try:
            refused = reload()
        finally:
            (web.knowledge / "facts" / "plan.toml").write_text(original, encoding="utf-8")
        assert refused.returncode == 1
        assert "knowledge/facts/plan.toml: fact '" in refused.stderr
        assert f"servers keep serving {new[:12]}" in refused.stderr
        time.sleep(0.6)
        same_everywhere([web, other], new)
    finally:
        extra.unlink(missing_ok=True)
        assert reload().returncode == 0
        same_everywhere([web, other], web.base().fingerprint)
        stop_web(other)


def test_a_new_server_with_broken_files_serves_the_last_good_fact_base(
    fake: FakeSlack, tmp_path: Path
) -> None:
    seeds, knowledge = copy_fact_base(tmp_path)
    last_good = AnswererHolder(seeds, knowledge, tmp_path / "state").base  # an earlier run
    plan = knowledge / "facts" / "plan.toml"
    plan.write_text(
        plan.read_text(encoding="utf-8").replace("Ukraine’s NATO", "Ukraine's NATO", 1),
        encoding="utf-8",
    )
    server = start_web(fake, tmp_path)
    try:
        same_everywhere([server], last_good.fingerprint)
        assert {h["problems"] for h in server.every_worker().values()} == {1}
        reply, _ = server.slash("nato 20 years")
        assert "delaying Ukraine’s NATO membership" in all_text(reply.json()["blocks"][1])
        log = server.log.read_text()
        assert "the files on disk cannot serve (1 problem(s)); serving the last good" in log
        assert re.search(r"ERROR \[\d+\] bot\.holder: +knowledge/facts/plan\.toml: fact '", log)
    finally:
        stop_web(server)


def test_a_worker_lost_while_the_files_are_broken_is_replaced_and_serves_the_last_good_one(
    web: Web,
) -> None:
    """A worker restarted inside the running server serves what its siblings serve (the
    snapshot the marker names), whatever is on disk: nobody exits, nobody serves a broken edit."""
    workers = web.every_worker()
    [fingerprint] = {h["fingerprint"] for h in workers.values()}
    victim, survivor = sorted(workers)
    plan = web.knowledge / "facts" / "plan.toml"
    original = plan.read_text(encoding="utf-8")
    plan.write_text(original.replace("Ukraine’s NATO", "Ukraine's NATO", 1), encoding="utf-8")
    try:
        _, url = web.slash("reload", user=ADMIN)
        [post] = response_posts(web.fake, url)
        assert "kept serving the previous one" in post.body["text"]
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 20
        while True:
            assert time.monotonic() < deadline, web.log.read_text()[-3000:]
            assert web.process.poll() is None, web.log.read_text()[-3000:]
            try:
                workers = web.every_worker(tries=50)
            except AssertionError:
                continue
            if victim not in workers:
                break
        assert survivor in workers
        assert {h["fingerprint"] for h in workers.values()} == {fingerprint}
        reply, _ = web.slash("nato 20 years")
        assert "delaying Ukraine’s NATO membership" in all_text(reply.json()["blocks"][1])
        log = web.log.read_text()
        assert "serving the server's fact base" in log
        assert "this server is already serving" not in log and "Worker failed to boot" not in log
    finally:
        plan.write_text(original, encoding="utf-8")
