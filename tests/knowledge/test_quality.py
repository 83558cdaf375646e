"""Answer quality on the labelled question set (`python -m bot evaluate` prints the table)."""

from __future__ import annotations

import pytest

from knowledge.answer import Answerer
from knowledge.evaluation import evaluate, load_questions, locate, unverbatim
from knowledge.models import FactBase
from tests.conftest import DATA

QUESTION_FILES = ["questions.toml", "holdout.toml"]
ANSWERABLE_STYLES = {"fragment", "full", "typo", "paraphrase", "slack", "casual", "variant", "both"}


@pytest.mark.parametrize("name", QUESTION_FILES)
def test_labels_are_well_formed(base: FactBase, name: str) -> None:
    questions = load_questions(DATA / name)
    texts = [q.text.casefold() for q in questions]
    assert len(texts) == len(set(texts)), "duplicate questions"
    for question in questions:
        assert question.style in ANSWERABLE_STYLES | {"near-miss", "off-topic"}
        assert question.answerable == (question.style in ANSWERABLE_STYLES), question.text
        for snippet in question.expect:
            assert len(locate(base, snippet)) == 1, f"{question.text!r}: {snippet!r}"


def test_labelled_set_is_large_enough() -> None:
    questions = load_questions(DATA / "questions.toml")
    assert sum(q.answerable for q in questions) >= 120
    assert sum(not q.answerable for q in questions) >= 40
    for style in ANSWERABLE_STYLES:
        assert sum(q.style == style for q in questions) >= 10, style


# The target is 95% for both. Measured on this set when these floors were set: 77.7%
# right first citations and 98.4% right declines (README, "Quality"); the answerable target
# is not met yet. The floors sit just below the measurement, so any regression fails.
MIN_RIGHT_FIRST_CITATIONS = 0.76
MIN_RIGHT_DECLINES = 0.95


def test_accuracy_on_the_labelled_set(answerer: Answerer, base: FactBase) -> None:
    outcomes = evaluate(answerer, load_questions(DATA / "questions.toml"))
    answerable = [o for o in outcomes if o.question.answerable]
    declines = [o for o in outcomes if not o.question.answerable]
    right_first = sum(o.right for o in answerable) / len(answerable)
    right_declines = sum(o.right for o in declines) / len(declines)
    wrong = [o.question.text for o in outcomes if not o.right]
    assert right_first >= MIN_RIGHT_FIRST_CITATIONS, f"{right_first:.1%}; wrong: {wrong}"
    assert right_declines >= MIN_RIGHT_DECLINES, f"{right_declines:.1%}; wrong: {wrong}"
    assert unverbatim(base, outcomes) == []


def test_no_citation_is_ever_invented_on_any_labelled_question(
    answerer: Answerer, base: FactBase
) -> None:
    for name in QUESTION_FILES:
        assert unverbatim(base, evaluate(answerer, load_questions(DATA / name))) == []
