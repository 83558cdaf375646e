"""What people asked that the fact base could not answer, grouped so repeats collapse into one
line with a count (domain layer: standard library and rapidfuzz only).

Questions arrive already normalised (`knowledge.text.words`, joined by spaces). Two wordings are
the same gap when their content words (stop words dropped) are close by rapidfuzz's
`token_set_ratio`: word order, filler words, a typo or an extra word do not split a group.
`token_set_ratio` scores 100 whenever one wording's words are a subset of the other's, so when
one wording has fewer than half the words of the other, `token_sort_ratio` decides instead: a
one-word question does not swallow every longer question that happens to contain its word.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz

from knowledge.text import STOPWORDS, words

SAME_GAP = 80.0  # similarity (0-100) at which two wordings are one gap
MAX_WORDINGS = 2000  # the most frequent distinct wordings grouped; rarer ones are left out


@dataclass(frozen=True, slots=True)
class Asked:
    """One logged question that counts as a gap: declined, or answered and voted down."""

    text: str  # normalised wording
    unanswered: bool
    downvoted: bool
    at: float  # when it was asked (Unix time)


@dataclass(frozen=True, slots=True)
class Gap:
    """Questions that are one gap: how often, in which wordings (most frequent first)."""

    text: str  # the most frequent wording
    count: int
    unanswered: int
    downvoted: int
    wordings: tuple[str, ...]
    last_asked: float


def _content(text: str) -> str:
    tokens = words(text)
    content = [t for t in tokens if t not in STOPWORDS]
    return " ".join(content or tokens)


def similarity(first: str, second: str) -> float:
    """How alike two normalised wordings are (0-100), as `group_gaps` compares them."""
    return _similarity(_content(first), _content(second))


def _similarity(first: str, second: str) -> float:
    if not first or not second:
        return 100.0 if first == second else 0.0
    shorter, longer = sorted((first.count(" ") + 1, second.count(" ") + 1))
    if shorter * 2 < longer:
        return fuzz.token_sort_ratio(first, second)
    return fuzz.token_set_ratio(first, second)


def group_gaps(questions: Iterable[Asked], threshold: float = SAME_GAP) -> list[Gap]:
    """Group questions whose wordings are alike; the largest groups first (then the latest).

    Greedy: distinct wordings, most frequent first, each join the first group whose leading
    wording is at least `threshold` alike, or start a new group.
    """
    counts: Counter[str] = Counter()
    unanswered: Counter[str] = Counter()
    downvoted: Counter[str] = Counter()
    last: dict[str, float] = {}
    for question in questions:
        text = " ".join(question.text.split())
        if not text:
            continue
        counts[text] += 1
        unanswered[text] += question.unanswered
        downvoted[text] += question.downvoted
        last[text] = max(last.get(text, 0.0), question.at)

    ordered = sorted(counts, key=lambda t: (-counts[t], -last[t], t))[:MAX_WORDINGS]
    leaders: list[tuple[str, str]] = []  # (leading wording, its content words)
    members: dict[str, list[str]] = {}
    for text in ordered:
        content = _content(text)
        for leader, leader_content in leaders:
            if _similarity(content, leader_content) >= threshold:
                members[leader].append(text)
                break
        else:
            leaders.append((text, content))
            members[text] = [text]

    gaps = [
        Gap(
            text=leader,
            count=sum(counts[t] for t in group),
            unanswered=sum(unanswered[t] for t in group),
            downvoted=sum(downvoted[t] for t in group),
            wordings=tuple(group),
            last_asked=max(last[t] for t in group),
        )
        for leader, group in members.items()
    ]
    gaps.sort(key=lambda g: (-g.count, -g.last_asked, g.text))
    return gaps
