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
        ("russias rejected it?", "russia"),
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
        # Two sides named: the stance asked about may be either's.
        "will Ukraine accept Russia's preconditions?",
        "why is Ukraine joining NATO such a no-go for the Russians?",
        "do Kyiv's Western allies like the plan?",
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
