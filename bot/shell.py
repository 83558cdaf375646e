"""The local chat shell: ask questions in a terminal, no Slack needed (adapter layer)."""

from __future__ import annotations

from typing import TextIO

from knowledge.answer import Answerer
from knowledge.render import render_sources, render_text

PROMPT = "peace> "
GREETING = (
    "peacebot: ask about the articles (e.g. 'who rejected the plan?', 'nato 20 years').\n"
    "Type 'sources' for the articles, 'help' for this text, 'quit' or Ctrl-D to leave."
)
_QUIT = {"quit", "exit", ":q", "bye"}


def reply_to(answerer: Answerer, line: str) -> str:
    """The shell's reply to one line: a built-in command or an answer."""
    command = line.strip().lower()
    if command in {"help", "?"}:
        return GREETING
    if command == "sources":
        return render_sources(answerer.base.sources)
    return render_text(answerer.answer(line))


def run_shell(answerer: Answerer, stdin: TextIO, stdout: TextIO, interactive: bool) -> int:
    """Read questions until end of input; `interactive` adds a greeting and a prompt."""
    if interactive:
        stdout.write(GREETING + "\n")
    while True:
        if interactive:
            stdout.write(PROMPT)
            stdout.flush()
        try:
            line = stdin.readline()
        except KeyboardInterrupt:
            stdout.write("\n")
            return 0
        if not line:
            if interactive:
                stdout.write("\n")
            return 0
        if not line.strip():
            continue
        if line.strip().lower() in _QUIT:
            return 0
        stdout.write(reply_to(answerer, line.rstrip("\n")) + "\n\n")
        stdout.flush()
