"""The composition root: `python -m bot [shell|ask|check|suggest|evaluate|reload|gaps|stats|socket]`
(adapter layer).

Reads settings, configures logging once, loads the fact base, builds the answerer and hands
them to the chosen adapter. Nothing else in the project reads the environment, except gunicorn's
factory `bot.server:create_app()`, the web process's own composition root.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from bot import cli
from bot.config import PROJECT_ROOT, Settings, SettingsError, configure_logging, load_settings
from bot.holder import reload_files
from bot.questionlog import QuestionLog
from bot.shell import run_shell
from knowledge.answer import Answerer
from knowledge.evaluation import LABELLED_SETS
from knowledge.store import FactBaseError, load_fact_base

DEFAULT_QUESTION_FILES = [PROJECT_ROOT / "tests" / "data" / name for name in LABELLED_SETS]


@dataclass
class Console:
    """The outside world a command talks to; tests pass their own streams."""

    stdin: TextIO = field(default_factory=lambda: sys.stdin)
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)

    @property
    def interactive(self) -> bool:
        return self.stdin.isatty()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="peacebot: cited answers from a curated fact base of news articles.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("shell", help="chat in the terminal (the default without Slack tokens)")
    commands.add_parser(
        "socket",
        help="serve Slack over Socket Mode (the default with SLACK_BOT_TOKEN and SLACK_APP_TOKEN)",
    )
    ask = commands.add_parser("ask", help="answer one question, or one per line of stdin")
    ask.add_argument("question", nargs="*", help="the question (omit to read stdin)")
    ask.add_argument("--json", action="store_true", help="one JSON object per answer")
    commands.add_parser("check", help="validate the fact base and report uncovered sentences")
    suggest = commands.add_parser(
        "suggest", help="draft facts (TOML) for the sentences no fact cites, to review"
    )
    suggest.add_argument("sources", nargs="*", help="article file names (default: all)")
    commands.add_parser(
        "reload",
        help="validate the fact base and make every running server switch to it (exit 1 if not)",
    )
    gaps = commands.add_parser("gaps", help="the most frequent unanswered or voted-down questions")
    gaps.add_argument("--days", type=_positive, default=30, help="look back this many days (30)")
    gaps.add_argument("--limit", type=_positive, default=20, help="show this many groups (20)")
    stats = commands.add_parser("stats", help="questions per day, answer rate, top facts")
    stats.add_argument("--days", type=_positive, default=30, help="look back this many days (30)")
    evaluate = commands.add_parser("evaluate", help="accuracy per question style")
    evaluate.add_argument("files", nargs="*", type=Path, help="labelled question files (TOML)")
    evaluate.add_argument("-v", "--verbose", action="store_true", help="list wrong answers")
    return parser


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def main(argv: list[str] | None = None, console: Console | None = None) -> int:
    """Run the command in `argv`; returns the process exit status."""
    console = console or Console()
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        console.stderr.write(f"error: {exc}\n")
        return 2
    configure_logging(settings.log_level, console.stderr)
    command = args.command
    if command is None and settings.has_socket_mode_token:
        command = "socket"
    if command == "socket":
        return _socket_mode(settings, console)
    if command is None and settings.has_slack_credentials:
        console.stderr.write(
            "SLACK_APP_TOKEN is not set, so this is the local shell; "
            "HTTP mode runs under gunicorn (see the Procfile).\n"
        )
    if command == "reload":
        result = reload_files(settings.seeds_dir, settings.knowledge_dir, settings.state_dir)
        return cli.report_reload(result, console.stdout, console.stderr)
    if command == "gaps":
        log = QuestionLog.from_settings(settings)
        return cli.gaps(log, args.days, args.limit, console.stdout, console.stderr)
    if command == "stats":
        return cli.stats(
            QuestionLog.from_settings(settings), args.days, console.stdout, console.stderr
        )
    try:
        base = load_fact_base(settings.seeds_dir, settings.knowledge_dir)
    except FactBaseError as exc:
        console.stderr.write(f"error: {exc}\n")
        return 1
    if args.command == "check":
        return cli.check(base, console.stdout)
    if args.command == "suggest":
        return cli.suggest(base, args.sources, console.stdout, console.stderr)
    answerer = Answerer(base)
    if args.command == "ask":
        if args.question:
            questions = [" ".join(args.question)]
        else:
            questions = (line.rstrip("\r\n") for line in console.stdin)
        return cli.ask(answerer, questions, console.stdout, args.json)
    if args.command == "evaluate":
        files = args.files or DEFAULT_QUESTION_FILES
        return cli.run_evaluation(answerer, files, console.stdout, args.verbose)
    log = QuestionLog.from_settings(settings)
    return run_shell(answerer, console.stdin, console.stdout, console.interactive, log)


def _socket_mode(settings: Settings, console: Console) -> int:
    # Imported here: the command line and the shell do not need Slack's libraries.
    from bot.server import run_socket_mode

    try:
        return run_socket_mode(settings)
    except FactBaseError as exc:
        console.stderr.write(f"error: {exc}\n")
    except ValueError as exc:  # our own configuration messages
        console.stderr.write(f"error: {exc}\n")
    except Exception as exc:  # e.g. Slack refused the token; its text may echo a request
        console.stderr.write(f"error: Socket Mode could not start ({type(exc).__name__})\n")
    return 1


def run() -> int:
    """`main()` for the real process: a reader that stops early (`| head`) ends it quietly."""
    try:
        status = main()
        sys.stdout.flush()  # here, so that a closed pipe is seen while it can be handled
        return status
    except BrokenPipeError:
        # What is still buffered cannot be written; point stdout at nothing so that the
        # interpreter's own flush at exit does not fail with a second traceback.
        with open(os.devnull, "wb") as nothing:
            os.dup2(nothing.fileno(), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(run())
