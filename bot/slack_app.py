"""The Slack app: Bolt listeners for /peace, mentions, DMs, buttons and App Home (adapter layer).

Listeners stay thin: acknowledge, pick out the question, ask the answerer, render with
`bot.blocks`, reply. Nothing here reads the environment: `create_bolt_app` is handed everything.
Logs carry ids, scores and lengths; never tokens, message text or exception text.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slack_bolt import Ack, App, BoltContext, BoltResponse, Respond
from slack_sdk import WebClient

from bot import blocks
from bot.blocks import Message
from bot.config import Settings
from bot.holder import AnswererHolder
from bot.ledger import EventLedger
from bot.questionlog import QuestionLog, QuestionLogError

logger = logging.getLogger(__name__)

COMMAND = "/peace"
_HELP_WORDS = {"", "help", "?", "usage"}
_REPORT = re.compile(r"(gaps|stats)(?: ([0-9]{1,5}) ?(?:d|days?)?)?")
DEFAULT_DAYS = 30  # what /peace gaps and /peace stats look back over, and the App Home's gaps
MAX_DAYS = 3650
# Commands that may outgrow Slack's 3 seconds: acknowledged first, answered at response_url.
SLOW_COMMANDS = {"reload", "gaps", "stats"}
# Commands for admins: their replies (paths, excerpts, what people asked) are only for the one
# who typed them, so in a channel they are posted ephemerally.
ADMIN_COMMANDS = {"reload", "gaps", "stats"}


@dataclass(frozen=True, slots=True)
class Command:
    """A command typed instead of a question: its name and, for gaps and stats, the days."""

    name: str  # help, sources, reload, gaps or stats
    days: int = DEFAULT_DAYS


def parse_command(text: str) -> Command | None:
    """The command `text` asks for, or None for a question: `help`, `sources`, `reload`,
    `gaps [DAYS]` or `stats [DAYS]` (`gaps 7`, `stats 90 days`).

    `text` is as Slack sends it, with `&`, `<` and `>` escaped.
    """
    command = " ".join(blocks.unescape(text).split()).lower()
    if command in _HELP_WORDS:
        return Command("help")
    if command in {"sources", "reload"}:
        return Command(command)
    report = _REPORT.fullmatch(command)
    if report:
        days = int(report.group(2)) if report.group(2) else DEFAULT_DAYS
        return Command(report.group(1), max(1, min(days, MAX_DAYS)))
    return None


@dataclass(frozen=True)
class Peacebot:
    """What the listeners share: who is an admin, the live answerer, the event ledger and the
    question log."""

    admins: frozenset[str]
    holder: AnswererHolder
    ledger: EventLedger
    questions: QuestionLog

    def is_admin(self, user_id: str | None) -> bool:
        # Fail closed: an empty PEACEBOT_ADMINS means nobody.
        return bool(user_id) and user_id in self.admins

    def answer(
        self,
        question: str,
        *,
        surface: str | None = None,
        user_id: str | None = None,
        log_id: int | None = None,
        **render: Any,
    ) -> Message:
        """The rendered answer to `question` from the answerer serving right now; logged as
        asked on `surface` when one is given (a button re-creating an answer passes the row
        it was logged as instead)."""
        answer = self.holder.answerer.answer(question)
        if surface is not None:
            log_id = self.questions.record(question, answer, surface, user_id)
        logger.info(
            "answer: match=%s score=%.1f citations=%d question_chars=%d",
            answer.match,
            answer.score,
            len(answer.citations),
            len(question),
        )
        return blocks.answer_message(answer, log_id=log_id, **render)

    def reload(self, user_id: str | None) -> Message:
        """Reload for an admin (the outcome), a polite refusal for anyone else."""
        if not self.is_admin(user_id):
            logger.info("reload refused for a non-admin")  # no user id in the logs
            return blocks.refusal_message()
        return blocks.reload_message(self.holder.reload())

    def report(self, command: Command, user_id: str | None, private: bool = True) -> Message:
        """`gaps` or `stats` from the question log, for admins only, and only where nobody
        else reads along (not in a channel)."""
        if not self.is_admin(user_id):
            logger.info("%s refused for a non-admin", command.name)
            return blocks.refusal_message(blocks.ADMIN_ONLY)
        if not private:
            return blocks.text_message(blocks.PRIVATE_ONLY)
        if not self.questions.enabled:
            return blocks.text_message(blocks.LOG_OFF)
        try:
            if command.name == "gaps":
                return blocks.gaps_message(self.questions.gaps(command.days), command.days)
            return blocks.stats_message(self.questions.stats(command.days))
        except QuestionLogError as error:
            logger.warning("question log unreadable: %s", error)
            return blocks.text_message(blocks.LOG_UNREADABLE)

    def reply(
        self, text: str, user_id: str | None, surface: str, private: bool = True, **render: Any
    ) -> Message:
        """The reply to `text` typed anywhere: a command, or an answer (logged as asked on
        `surface`). `private`: only the asker sees the reply (not a channel thread).

        `text` is as Slack sends it, with `&`, `<` and `>` escaped: it is unescaped here (and
        escaped again wherever a reply shows it).
        """
        command = parse_command(text)
        if command is None:
            question = blocks.unescape(text)
            return self.answer(question, surface=surface, user_id=user_id, **render)
        if command.name == "help":
            return blocks.help_message()
        if command.name == "sources":
            return blocks.sources_message(self.holder.base.sources)
        if command.name == "reload":
            return self.reload(user_id)
        return self.report(command, user_id, private)

    def home(self, user_id: str, notice: list[str] | None = None) -> dict[str, Any]:
        admin = self.is_admin(user_id)
        gaps = None
        if admin and self.questions.enabled:
            try:
                gaps = self.questions.gaps(DEFAULT_DAYS, blocks.HOME_GAPS)
            except QuestionLogError as error:
                logger.warning("question log unreadable: %s", error)
        return blocks.home_view(
            self.holder.base,
            self.holder.loaded_at,
            is_admin=admin,
            notice=notice or (),
            gaps=gaps,
            gap_days=DEFAULT_DAYS,
            problems=self.holder.problems if admin else (),
        )


def create_bolt_app(
    settings: Settings,
    holder: AnswererHolder,
    ledger: EventLedger,
    questions: QuestionLog | None = None,
) -> App:
    """The Bolt app with every listener registered. Calls auth.test once."""
    if not settings.has_slack_credentials or settings.slack_bot_token is None:
        raise ValueError("SLACK_BOT_TOKEN is required for the Slack app")
    token = settings.slack_bot_token.get_secret_value()
    secret = settings.slack_signing_secret
    app = App(
        name="peacebot",
        # Bolt makes a WebClient per request copying this one's base_url: SLACK_API_URL holds.
        client=WebClient(token=token, base_url=settings.slack_api_url),
        # An explicit value, so Bolt does not read the environment (Socket Mode needs none).
        signing_secret=secret.get_secret_value() if secret else "",
        request_verification_enabled=True,
        raise_error_for_unhandled_request=False,
        logger=_bolt_logger(),
    )
    if app.oauth_flow is not None:
        raise ValueError(
            "peacebot is a single-workspace app: unset SLACK_CLIENT_ID and SLACK_CLIENT_SECRET"
        )
    if questions is None:
        questions = QuestionLog.from_settings(settings)
    peacebot = Peacebot(admins=settings.admins, holder=holder, ledger=ledger, questions=questions)
    # No sync per request: adopting another process's reload loads and indexes a fact base,
    # which no request should wait for; the holder's background poll does it (see
    # `AnswererHolder.start_polling`).
    app.error(handle_error)
    register_command(app, peacebot)
    register_events(app, peacebot)
    register_actions(app, peacebot)
    return app


class _DropClientNotice(logging.Filter):
    # Bolt warns that the token is unused whenever SLACK_BOT_TOKEN is in the environment and a
    # client is passed, which is always true here (the client carries the token).
    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def _bolt_logger() -> logging.Logger:
    # Bolt logs request bodies at INFO and DEBUG (a slash command's body holds a token), so its
    # loggers stay at WARNING or above whatever PEACEBOT_LOG_LEVEL says.
    bolt = logging.getLogger("bot.bolt")
    bolt.setLevel(max(logging.getLogger().getEffectiveLevel(), logging.WARNING))
    if not bolt.filters:
        bolt.addFilter(_DropClientNotice())
    return bolt


# -- /peace ----------------------------------------------------------------------------------


def register_command(app: App, peacebot: Peacebot) -> None:
    @app.command(COMMAND)
    def handle_peace_command(
        ack: Ack, command: dict[str, Any], respond: Respond, context: BoltContext
    ) -> None:
        text, user_id = command.get("text") or "", command.get("user_id")
        parsed = parse_command(text)
        if parsed is not None and parsed.name in SLOW_COMMANDS:
            ack()  # the outcome goes to response_url: it may outgrow Slack's 3 seconds
            with after_ack(command, context):
                message = peacebot.reply(text, user_id, "slash")
                send(respond, message, response_type="ephemeral")
            return
        message = peacebot.reply(text, user_id, "slash", asked_by=user_id, shareable=True)
        ack({**message, "response_type": "ephemeral"})


# -- mentions, direct messages, App Home -----------------------------------------------------


def strip_mentions(text: str, bot_user_id: str | None) -> str:
    """The question without the mention of the bot (`<@U123>` or `<@U123|name>`)."""
    target = re.escape(bot_user_id) if bot_user_id else r"[UW][A-Z0-9]+"
    return " ".join(re.sub(rf"<@{target}(?:\|[^>]*)?>", " ", text).split())


def _from_a_bot(event: dict[str, Any]) -> bool:
    return bool(event.get("bot_id")) or event.get("subtype") == "bot_message"


def register_events(app: App, peacebot: Peacebot) -> None:
    @app.event("app_mention")
    def handle_app_mention(
        event: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        if _from_a_bot(event) or not peacebot.ledger.claim(_event_id(body)):
            return
        text = strip_mentions(event.get("text") or "", context.bot_user_id)
        message = peacebot.reply(text, event.get("user"), "mention", private=False)
        thread = event.get("thread_ts") or event["ts"]
        parsed = parse_command(text)
        if parsed is not None and parsed.name in ADMIN_COMMANDS and event.get("user"):
            # Only the one who asked sees it: a reload lists paths and excerpts.
            client.chat_postEphemeral(
                channel=event["channel"], user=event["user"], thread_ts=thread, **message
            )
            return
        client.chat_postMessage(channel=event["channel"], thread_ts=thread, **message)

    @app.event("message")
    def handle_message(event: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
        # Only plain messages in a DM with the bot; edits, joins and bots' messages are not
        # questions (Bolt already drops the bot's own messages).
        if event.get("channel_type") != "im" or event.get("subtype") or _from_a_bot(event):
            return
        if not peacebot.ledger.claim(_event_id(body)):
            return
        message = peacebot.reply(event.get("text") or "", event.get("user"), "dm")
        thread = event.get("thread_ts")  # a DM is answered in place, or in its thread
        client.chat_postMessage(channel=event["channel"], thread_ts=thread, **message)

    @app.event("app_home_opened")
    def handle_app_home_opened(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab") == "home":
            client.views_publish(user_id=event["user"], view=peacebot.home(event["user"]))


def _event_id(body: dict[str, Any]) -> str:
    event = body.get("event") or {}
    return body.get("event_id") or f"{event.get('channel')}:{event.get('ts')}"


# -- buttons ---------------------------------------------------------------------------------


def _is_ephemeral(body: dict[str, Any]) -> bool:
    return bool((body.get("container") or {}).get("is_ephemeral"))


def send(respond: Respond, message: Message, **options: Any) -> None:
    """Post to the response_url, logging (not raising) when Slack refuses."""
    result = respond(**message, **options)
    if result.status_code != 200:
        logger.warning("response_url post failed: status %s", result.status_code)


def register_actions(app: App, peacebot: Peacebot) -> None:
    @app.action(blocks.ACTION_SUGGEST)
    def handle_suggestion_button(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: Respond,
        context: BoltContext,
    ) -> None:
        ack()
        with after_ack(body, context):
            question = blocks.decode_value(action.get("value") or "").question
            ephemeral = _is_ephemeral(body)
            user_id = body["user"]["id"]
            message = peacebot.answer(
                question,
                surface="suggestion",
                user_id=user_id,
                asked_by=user_id,
                shareable=ephemeral,
            )
            # The decline is replaced by the answer where it was (privately or in the channel).
            kind = "ephemeral" if ephemeral else "in_channel"
            send(respond, message, replace_original=True, response_type=kind)

    @app.action(blocks.ACTION_SHARE)
    def handle_share_button(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: Respond,
        context: BoltContext,
    ) -> None:
        ack()
        with after_ack(body, context):
            value = blocks.decode_value(action.get("value") or "")
            message = peacebot.answer(
                value.question, log_id=value.log_id, asked_by=body["user"]["id"]
            )
            # response_url works where the bot is not a member (chat.postMessage would not).
            send(respond, message, response_type="in_channel", replace_original=False)
            send(respond, {"text": ""}, delete_original=True)

    @app.action(blocks.ACTION_FEEDBACK)
    def handle_feedback_button(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: Respond,
        context: BoltContext,
    ) -> None:
        ack()
        with after_ack(body, context):
            vote = "up" if action["action_id"] == blocks.ACTION_FEEDBACK_UP else "down"
            value = blocks.decode_value(action.get("value") or "")
            stored = value.log_id is not None and peacebot.questions.vote(value.log_id, vote)
            answer = peacebot.holder.answerer.answer(value.question)
            logger.info(
                "feedback %s: match=%s score=%.1f logged=%s",
                vote,
                answer.match,
                answer.score,
                stored,
            )
            message = blocks.answer_message(
                answer,
                asked_by=value.asked_by,
                shareable=_is_ephemeral(body),
                feedback=vote,
                log_id=value.log_id,
            )
            send(respond, message, replace_original=True)

    @app.action(blocks.ACTION_RELOAD)
    def handle_reload_button(
        ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        ack()
        with after_ack(body, context):
            user_id = body["user"]["id"]
            notice = [blocks.REFUSAL]
            if peacebot.is_admin(user_id):
                notice = blocks.reload_lines(peacebot.holder.reload())
            client.views_publish(user_id=user_id, view=peacebot.home(user_id, notice))


# -- failures --------------------------------------------------------------------------------


def _where(error: BaseException) -> str:
    frames = traceback.extract_tb(error.__traceback__)
    return f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "?"


def _log_failure(error: BaseException, body: dict[str, Any]) -> None:
    # The type and place only: an exception's text may quote a request, a reply or a token.
    ref = body.get("event_id") or body.get("trigger_id") or "?"
    logger.error("listener failed: %s at %s (ref %s)", type(error).__name__, _where(error), ref)


def apologize(body: dict[str, Any], context: BoltContext) -> None:
    """A short apology where the question was asked; best effort, never raises."""
    apology = blocks.apology_message()
    try:
        event = body.get("event") or {}
        if event:
            asked = event.get("type") == "app_mention" or event.get("channel_type") == "im"
            if asked and not _from_a_bot(event) and not event.get("subtype"):
                thread = event.get("thread_ts")
                if event.get("type") == "app_mention":
                    thread = thread or event.get("ts")
                context.client.chat_postMessage(
                    channel=event["channel"], thread_ts=thread, **apology
                )
        elif context.response_url:
            send(context.respond, apology, response_type="ephemeral", replace_original=False)
    except Exception as error:
        logger.error("apology failed: %s", type(error).__name__)


@contextmanager
def after_ack(body: dict[str, Any], context: BoltContext) -> Iterator[None]:
    """Failures after `ack()` are logged and apologised for here, not raised: Bolt would report
    an acknowledged request that then raised as never acknowledged (and answer Slack 404)."""
    try:
        yield
    except Exception as error:
        _log_failure(error, body)
        apologize(body, context)


def handle_error(
    error: Exception,
    body: dict[str, Any],
    context: BoltContext,
    response: BoltResponse | None,
) -> BoltResponse | None:
    """Bolt's error handler (failures in middleware, in events, or before `ack()`).

    Bolt calls it for a failure anywhere, the request's signature check included (a non-ASCII
    signature makes it raise): only a request Bolt went on to authorize, which it does after
    verifying the signature, is apologised to. Anything else is just logged and refused.
    """
    if context.authorize_result is None:
        # Unverified: the body is whatever anyone sent. Acting on it would post to a channel or
        # a response_url of their choosing; even its ids are not worth logging.
        logger.warning(
            "refused a request that failed before it was verified: %s at %s",
            type(error).__name__,
            _where(error),
        )
        return BoltResponse(status=401, body={"error": "invalid request"})
    _log_failure(error, body)
    unanswered = response is not None and response.status >= 500
    if unanswered and body.get("command"):
        return BoltResponse(
            status=200, body={**blocks.apology_message(), "response_type": "ephemeral"}
        )
    apologize(body, context)
    # Answered with an apology: a 200 stops Slack from retrying into the same failure.
    return BoltResponse(status=200, body="") if unanswered else None
