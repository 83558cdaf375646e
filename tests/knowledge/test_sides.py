"""Which side's stance a question asks about, read from the question as the index reads it."""

from __future__ import annotations

import pytest

from knowledge.answer import Answerer
from knowledge.sides import asked_side


@pytest.mark.parametrize(
    ("question", "side"),
    [
        ("did ukraine reject the plan?", "ukraine"),
        ("Is the West just stalling?", "west"),
        ("is Kyiv really open to talks?", "ukraine"),
        ("does Moscow support the plan?", "russia"),
        ("does the US support the plan?", "us"),
        ("would the Ukrainian government accept it?", "ukraine"),
        ("did russias reject it?", "russia"),
        ("why are Kyiv's Western allies so keen?", "west"),
        ("how did Kyiv respond to Moscow's rejection?", "ukraine"),
        ("isn't the West stalling?", "west"),
        ("did Ukraine reject the US-backed plan?", "ukraine"),
        ("ukraine rejected the us-backed plan?", "ukraine"),
        ("west stalling?", "west"),
        ("did Macron endorse the deal?", "west"),
    ],
)
def test_the_subject_of_a_stance_verb_is_the_side_asked_about(
    answerer: Answerer, question: str, side: str
) -> None:
    assert asked_side(answerer.index.parse(question).text) == side


@pytest.mark.parametrize(
    "question",
    [
        # No stance verb after the side.
        "who is Putin?",
        "did the US-backed plan get rejected?",
        "did Russia annex four regions?",
        # Another side named before the verb, or one the stance is for: it may be either's.
        "Russia wants guarantees. Does Ukraine's side ask for the same?",
        "why is Ukraine joining NATO such a no-go for the Russians?",
        "did Lavrov's Western counterparts reject it?",
        # A second subject: the question asks about both sides.
        "did Ukraine reject the plan, and why did Russia?",
        "did Ukraine reject the plan? what about Russia?",
        # An obligation is another side's demand, not this side's stance.
        "must Ukraine accept neutrality?",
        # "us" is the United States only after "the".
        "does it help us reject the plan?",
    ],
)
def test_no_side_is_read_where_the_question_does_not_clearly_ask_one(
    answerer: Answerer, question: str
) -> None:
    assert asked_side(answerer.index.parse(question).text) is None
