"""The local chat shell: ask questions in a terminal, no Slack needed (adapter layer)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import TextIO

from bot.questionlog import QuestionLog
from knowledge.answer import Answerer
from knowledge.render import render_sources, render_text

PROMPT = "peace> "
GREETING = (
    "peacebot: ask about the articles (e.g. 'who rejected the plan?', 'nato 20 years').\n"
    "Type 'sources' for the articles, 'help' for this text, 'quit' or Ctrl-D to leave."
)
_QUIT = {"quit", "exit", ":q", "bye"}


def reply_to(answerer: Answerer, line: str, questions: QuestionLog | None = None) -> str:
    """The shell's reply to one line: a built-in command or an answer (logged as asked in the
    shell when a question log is given)."""
    command = line.strip().lower()
    if command in {"help", "?"}:
        return GREETING
    if command == "sources":
        return render_sources(answerer.base.sources)
    answer = answerer.answer(line)
    if questions is not None:
        questions.record(line, answer, "shell")
    return render_text(answer)


def _typed_lines(stdout: TextIO) -> Iterator[str]:
    """Lines typed at the prompt, with line editing and history where readline exists."""
    # readline is imported for its side effect on input(); it is not on every platform, and
    # the shell works without it.
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401
    while True:
        try:
            yield input(PROMPT)
        except (EOFError, KeyboardInterrupt):
            stdout.write("\n")
            return


def run_shell(
    answerer: Answerer,
    stdin: TextIO,
    stdout: TextIO,
    interactive: bool,
    questions: QuestionLog | None = None,
) -> int:
    """Answer questions until end of input.

    In a terminal: a greeting, a prompt with line editing, and 'quit' to leave. Otherwise
    every non-blank line of `stdin` is a question and gets an answer.
    """
    if interactive:
        stdout.write(GREETING + "\n")
        lines: Iterable[str] = _typed_lines(stdout)
    else:
        lines = (line.rstrip("\r\n") for line in stdin)
    for line in lines:
        if not line.strip():
            continue
        if interactive and line.strip().lower() in _QUIT:
            break
        stdout.write(reply_to(answerer, line, questions) + "\n\n")
        stdout.flush()
    return 0
