"""Grouping unanswered and voted-down questions: repeats collapse, different questions don't."""

from __future__ import annotations

from knowledge.gaps import Asked, group_gaps, similarity
from knowledge.text import words


def asked(text: str, at: float = 0.0, unanswered: bool = True, downvoted: bool = False) -> Asked:
    return Asked(" ".join(words(text)), unanswered, downvoted, at)


def test_repeats_with_typos_word_order_and_filler_collapse_into_one_line() -> None:
    questions = [
        asked("What did Biden say about the plan?", at=1),
        asked("what did biden say about the plan", at=2),
        asked("biden plan", at=3),
        asked("what did Bidden say about the plan??", at=4),
        asked("the plan, what did biden say", at=5),
        asked("price of bitcoin", at=6),
        asked("bitcoin price?", at=7, unanswered=False, downvoted=True),
        asked("who won the world cup", at=8),
    ]
    gaps = group_gaps(questions)
    assert [(g.text, g.count) for g in gaps] == [
        ("what did biden say about the plan", 5),
        ("bitcoin price", 2),  # equally frequent wordings: the latest leads
        ("who won the world cup", 1),
    ]
    biden, bitcoin, _ = gaps
    assert biden.unanswered == 5 and biden.downvoted == 0 and biden.last_asked == 5
    assert bitcoin.unanswered == 1 and bitcoin.downvoted == 1
    assert biden.wordings[0] == "what did biden say about the plan"  # the most frequent first
    assert len(biden.wordings) == 4


def test_a_short_question_does_not_swallow_longer_ones_that_contain_its_word() -> None:
    gaps = group_gaps(
        [
            asked("nato"),
            asked("nato"),
            asked("how did nato react to the oil price cap and the grain deal"),
            asked("turkey nato grain corridor inspections"),
        ]
    )
    assert [g.count for g in gaps] == [2, 1, 1]
    assert similarity("nato", "nato grain corridor inspections turkey") < 80
    assert similarity("biden plan", "what did biden say about the plan") == 100


def test_ties_are_ordered_by_the_latest_and_nothing_in_nothing_out() -> None:
    gaps = group_gaps([asked("weather in kyiv", at=1), asked("football scores", at=9)])
    assert [g.text for g in gaps] == ["football scores", "weather in kyiv"]
    assert group_gaps([]) == []
    assert group_gaps([Asked("   ", True, False, 0.0)]) == []
