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
import sys
from collections.abc import Callable, Iterable
from typing import Any, TextIO

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.error import BoltError

from bot.config import Settings
from bot.holder import AnswererHolder
from bot.ledger import LEDGER_NAME, EventLedger
from bot.slack_app import create_bolt_app
from knowledge.store import FactBaseError

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
WORKER_BOOT_ERROR = 3  # gunicorn stops the whole server when a worker exits with this status
_TIMESTAMP = re.compile(r"[0-9]{1,12}")

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def configure_logging(level: str, stream: TextIO | None = None) -> None:
    """Logging for a server process; the Slack libraries' own logs stay at WARNING."""
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s",
        stream=stream or sys.stderr,
    )
    # slack_sdk logs request headers and bodies at DEBUG: they hold tokens.
    logging.getLogger("slack_sdk").setLevel(max(logging.getLogger().level, logging.WARNING))


def build_slack_app(settings: Settings) -> tuple[App, AnswererHolder]:
    """Fact base, event ledger and Bolt app for one process (raises FactBaseError)."""
    holder = AnswererHolder(settings.seeds_dir, settings.knowledge_dir, settings.state_dir)
    ledger = EventLedger(settings.state_dir / LEDGER_NAME)
    logger.info(
        "fact base %s: %d facts, %d sources (pid %d)",
        holder.base.fingerprint[:12],
        len(holder.base.facts),
        len(holder.base.sources),
        os.getpid(),
    )
    return create_bolt_app(settings, holder, ledger), holder


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
            timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "0")
            if path == EVENTS_PATH and not _TIMESTAMP.fullmatch(timestamp):
                # Bolt would fail on a non-numeric timestamp with a 500; it is just unsigned.
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
            },
        )


def _reply(start_response: StartResponse, status: str, data: dict[str, Any]) -> list[bytes]:
    body = json.dumps(data).encode("utf-8")
    headers = [("content-type", "application/json"), ("content-length", str(len(body)))]
    start_response(status, headers)
    return [body]


def create_wsgi_app(settings: Settings) -> SlackWsgiApp:
    """The HTTP-mode WSGI app (needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET)."""
    secret = settings.slack_signing_secret
    if secret is None or not secret.get_secret_value():
        raise ValueError("SLACK_SIGNING_SECRET is required in HTTP mode")
    return SlackWsgiApp(*build_slack_app(settings))


def create_app() -> SlackWsgiApp:
    """gunicorn's factory: `gunicorn 'bot.server:create_app()'` (see the Procfile)."""
    settings = Settings()
    configure_logging(settings.log_level)
    try:
        return create_wsgi_app(settings)
    except FactBaseError as exc:
        logger.error("the fact base does not load; not starting:")
        for problem in exc.problems:
            logger.error("  %s", problem)
    except ValueError as exc:  # our own configuration messages
        logger.error("not starting: %s", exc)
    except BoltError as exc:
        logger.error("not starting: Slack refused the bot token (%s)", type(exc).__name__)
    except OSError as exc:
        logger.error("not starting: Slack API unreachable (%s)", type(exc).__name__)
    sys.exit(WORKER_BOOT_ERROR)


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
