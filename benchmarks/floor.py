"""The web benchmark's floor: the real server, answering every question with one constant text.

`gunicorn 'benchmarks.floor:create_app()'` runs `bot.server.create_app()` unchanged (signature
checks, Bolt, rendering, the same settings) except that every question gets the same answer,
worked out once. The difference between this server's rate and the real one's is what answering
costs.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from bot import server
from knowledge.answer import Answer, Answerer

CONSTANT_QUESTION = "nato 20 years"

_answer = Answerer.answer
_constant: Answer | None = None


def _constant_answer(self: Answerer, question: str) -> Answer:
    global _constant
    if _constant is None:
        _constant = _answer(self, CONSTANT_QUESTION)
    return dataclasses.replace(_constant, question=question)


def create_app() -> Any:
    """gunicorn's factory for the floor server."""
    Answerer.answer = _constant_answer  # type: ignore[method-assign]
    return server.create_app()
