"""Serving the Slack app: a WSGI app for gunicorn (HTTP mode) and Socket Mode (adapter layer).

`gunicorn 'bot.server:create_app()'` calls `create_app` once in each worker process: it is the
web process's composition root (settings, logging, fact base, ledger, Bolt app). Slack posts
slash commands, events and interactivity to `POST /slack/events`; `GET /healthz` reports the
fact base this process serves.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.error import BoltError

from bot.config import Settings, SettingsError, configure_logging, load_settings
from bot.holder import AnswererHolder
from bot.ledger import LEDGER_NAME, EventLedger
from bot.questionlog import QuestionLog
from bot.slack_app import create_bolt_app
from knowledge.store import FactBaseError

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
WORKER_BOOT_ERROR = 3  # gunicorn stops the whole server when a worker exits with this status
WORKER_FAILED = 1  # gunicorn starts another worker; the others keep serving
RESPAWN_DELAY = 1.0  # seconds a failed worker waits, so gunicorn does not respawn in a tight loop
SERVERS_DIR = "servers"  # one record per server that has booted a worker (see `has_served`)
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")  # what Slack sends: HMAC-SHA256 in lowercase hex

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class StateDirError(ValueError):
    """The state folder cannot hold the event ledger (missing, read-only, full)."""


def build_slack_app(settings: Settings, resume: bool = False) -> tuple[App, AnswererHolder]:
    """Fact base, event ledger, question log and Bolt app for one process (raises FactBaseError
    when there is no valid fact base at all, StateDirError, or Slack's own errors).

    `resume`: a worker restarted inside a running server serves the fact base the others serve.
    """
    holder = AnswererHolder(
        settings.seeds_dir, settings.knowledge_dir, settings.state_dir, resume=resume
    )
    try:
        ledger = EventLedger(settings.state_dir / LEDGER_NAME)
    except (sqlite3.Error, OSError) as error:
        code = getattr(error, "sqlite_errorname", None) or type(error).__name__
        raise StateDirError(
            f"the state folder {settings.state_dir} cannot hold the event ledger ({code})"
        ) from None
    logger.info(
        "fact base %s: %d facts, %d sources (pid %d)",
        holder.base.fingerprint[:12],
        len(holder.base.facts),
        len(holder.base.sources),
        os.getpid(),
    )
    app = create_bolt_app(settings, holder, ledger, QuestionLog.from_settings(settings))
    holder.start_polling()
    return app, holder


class SlackWsgiApp:
    """Routes `/healthz` itself and `POST /slack/events` to Bolt's WSGI adapter."""

    def __init__(self, bolt_app: App, holder: AnswererHolder) -> None:
        self.slack = SlackRequestHandler(bolt_app, path=EVENTS_PATH)
        self.holder = holder

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            path = environ.get("PATH_INFO", "")
            if path == HEALTH_PATH and environ.get("REQUEST_METHOD") in {"GET", "HEAD"}:
                return self.health(start_response)
            if path == EVENTS_PATH and not _well_formed(environ):
                # Not signed as Slack signs. Refused here, before Bolt: a non-numeric timestamp
                # or a non-ASCII signature makes its verifier raise instead of answer False.
                return _reply(start_response, "401 Unauthorized", {"error": "invalid request"})
            return self.slack(environ, start_response)
        except Exception as error:  # a bad request must never take the worker down
            logger.error("request failed: %s", type(error).__name__)
            return _reply(start_response, "500 Internal Server Error", {"error": "server error"})

    def health(self, start_response: StartResponse) -> Iterable[bytes]:
        self.holder.sync()
        base = self.holder.base
        return _reply(
            start_response,
            "200 OK",
            {
                "status": "ok",
                "pid": os.getpid(),
                "fingerprint": base.fingerprint,
                "facts": len(base.facts),
                "sources": len(base.sources),
                "loaded_at": self.holder.loaded_at,
                "problems": len(self.holder.problems),
            },
        )


def _well_formed(environ: dict[str, Any]) -> bool:
    """Whether the signature headers have the shape Slack's have (Bolt checks their values)."""
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
    signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
    return bool(_TIMESTAMP.fullmatch(timestamp) and _SIGNATURE.fullmatch(signature))


def _reply(start_response: StartResponse, status: str, data: dict[str, Any]) -> list[bytes]:
    body = json.dumps(data).encode("utf-8")
    headers = [("content-type", "application/json"), ("content-length", str(len(body)))]
    start_response(status, headers)
    return [body]


def create_wsgi_app(settings: Settings, resume: bool = False) -> SlackWsgiApp:
    """The HTTP-mode WSGI app (needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET)."""
    secret = settings.slack_signing_secret
    if secret is None or not secret.get_secret_value():
        raise ValueError("SLACK_SIGNING_SECRET is required in HTTP mode")
    return SlackWsgiApp(*build_slack_app(settings, resume))


def create_app() -> SlackWsgiApp:
    """gunicorn's factory: `gunicorn 'bot.server:create_app()'` (see the Procfile).

    A worker restarted inside a running server serves the fact base the other workers serve
    (the snapshot the marker names); a worker of a new server loads the files, or the last good
    snapshot if they are broken. A worker that cannot start exits with gunicorn's boot-error
    status, which stops the whole server, only if no worker of this server has started yet (a
    deploy that would serve nothing). Once one has, a worker that cannot start (Slack unreachable
    for a moment, say) exits with an ordinary failure: gunicorn starts another and the others
    keep serving.
    """
    try:
        settings = load_settings()
    except SettingsError as exc:
        sys.stderr.write(f"not starting: {exc}\n")
        sys.exit(WORKER_BOOT_ERROR)
    configure_logging(settings.log_level)
    try:
        app = create_wsgi_app(settings, resume=has_served(settings.state_dir))
    except FactBaseError as exc:
        logger.error("the fact base does not load and there is no last good one; not starting:")
        for problem in exc.problems:
            logger.error("  %s", problem)
    except ValueError as exc:  # our own configuration messages
        logger.error("not starting: %s", exc)
    except BoltError as exc:
        logger.error("not starting: Slack refused the bot token (%s)", type(exc).__name__)
    except OSError as exc:
        logger.error("not starting: Slack API unreachable (%s)", type(exc).__name__)
    else:
        record_serving(settings.state_dir)
        return app
    if has_served(settings.state_dir):
        logger.error(
            "this server is already serving: worker %d exits and gunicorn starts another; "
            "the other workers keep serving",
            os.getpid(),
        )
        time.sleep(RESPAWN_DELAY)
        sys.exit(WORKER_FAILED)
    sys.exit(WORKER_BOOT_ERROR)


def server_id(pid: int | None = None) -> str:
    """The server this worker belongs to: its parent (gunicorn's arbiter), by pid and start time
    (a restarted server may get the same pid, in a container especially)."""
    parent = os.getppid() if pid is None else pid
    return f"{parent}-{_started(parent)}"


def _started(pid: int) -> str:
    try:
        # Field 22 of /proc/PID/stat, counted after the parenthesised command name.
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return "?"  # not Linux, or no such process


def record_serving(state_dir: Path) -> None:
    """Note in the state dir that this server has a worker serving (one file per server, so
    several servers can share the state dir); records of servers that are gone are removed."""
    folder = state_dir / SERVERS_DIR
    me = server_id()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        record = folder / f"{me}.json"
        if not record.exists():
            payload = json.dumps({"server": me, "pid": os.getpid(), "at": time.time()})
            fd, temp = tempfile.mkstemp(dir=folder, prefix=".serving-", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(payload)
            os.replace(temp, record)
        for other in folder.glob("*.json"):
            pid, _, started = other.stem.partition("-")
            if pid.isdigit() and started != "?" and _started(int(pid)) != started:
                other.unlink(missing_ok=True)  # that server has stopped
    except OSError as exc:
        # Not fatal: a later worker that cannot start would then stop the server (status 3).
        logger.warning("could not record the serving worker (%s)", type(exc).__name__)


def has_served(state_dir: Path) -> bool:
    """Whether a worker of this server has started before (see `record_serving`)."""
    return (state_dir / SERVERS_DIR / f"{server_id()}.json").is_file()


def run_socket_mode(settings: Settings) -> int:
    """Connect to Slack over Socket Mode (SLACK_APP_TOKEN) and serve until stopped."""
    if not settings.has_socket_mode_token or settings.slack_app_token is None:
        logger.error("Socket Mode needs SLACK_BOT_TOKEN and SLACK_APP_TOKEN")
        return 2
    app, _ = build_slack_app(settings)
    handler = SocketModeHandler(app, app_token=settings.slack_app_token.get_secret_value())
    logger.info("connecting to Slack in Socket Mode")
    handler.start()  # blocks until the process is stopped
    return 0
