"""Answer quality on the labelled question set (`python -m bot evaluate` prints the table)."""

from __future__ import annotations

import pytest

from knowledge.answer import Answerer
from knowledge.evaluation import LABELLED_SETS, UNREAD, evaluate, load_questions, locate
from knowledge.models import FactBase
from tests.conftest import DATA, SEEDS

QUESTION_FILES = LABELLED_SETS
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


# Floors are the measured counts of every set (README, "Quality"): any regression fails; raise
# them when the bot improves. The targets, 95% right first citations and 95% right
# declines, are below the floor of the labelled set, questions.toml (a set curators tuned on);
# on the sets nobody tuned for the bot does worse, and their floors keep it from getting worse.
FLOORS = {
    "questions.toml": (182, 61),
    "holdout.toml": (79, 29),
    "holdout2.toml": (90, 37),
    "holdout3.toml": (109, 45),
    "holdout4.toml": (108, 45),
    "holdout5.toml": (109, 45),
    "tuning2.toml": (110, 45),
    "tuning3.toml": (110, 45),
    "tuning4.toml": (110, 45),
    "tuning5.toml": (110, 45),
    "tuning6.toml": (108, 45),
    "tuning7.toml": (107, 45),
    "tuning8.toml": (108, 45),
    "tuning9.toml": (110, 45),
    "holdout6.toml": (105, 44),
    "tuning10.toml": (108, 45),
    "holdout7.toml": (108, 45),
    "tuning11.toml": (109, 45),
    "tuning12.toml": (109, 45),
    "holdout8.toml": (106, 45),
    "tuning13.toml": (109, 44),
    "tuning14.toml": (110, 45),
    "tuning15.toml": (110, 45),
    "tuning16.toml": (110, 44),
    "tuning17.toml": (108, 45),
    "tuning18.toml": (108, 44),
    "tuning19.toml": (106, 44),
    "tuning20.toml": (108, 45),
    "holdout9.toml": (105, 43),
    "holdout10.toml": (106, 44),
    "tuning21.toml": (108, 44),
    "tuning22.toml": (106, 44),
    "holdout11.toml": (108, 41),
    "tuning23.toml": (110, 45),
    "tuning24.toml": (108, 44),
    "tuning25.toml": (109, 44),
    "tuning26.toml": (110, 45),
    "tuning27.toml": (109, 45),
    "tuning28.toml": (106, 45),
    "tuning29.toml": (109, 45),
    "tuning30.toml": (108, 45),
    "holdout12.toml": (104, 45),
    "holdout13.toml": (106, 43),
    "tuning31.toml": (110, 44),
    "tuning32.toml": (110, 44),
    "tuning33.toml": (109, 45),
    "tuning34.toml": (106, 44),
    "tuning35.toml": (110, 45),
    "tuning36.toml": (106, 45),
    "tuning37.toml": (107, 45),
    "tuning38.toml": (108, 45),
    "tuning39.toml": (106, 43),
    "tuning40.toml": (109, 45),
    "tuning41.toml": (107, 45),
    "tuning42.toml": (109, 45),
    "tuning43.toml": (107, 44),
    "tuning44.toml": (110, 45),
    "tuning45.toml": (107, 45),
    "tuning46.toml": (104, 44),
    "tuning47.toml": (110, 45),
    "tuning48.toml": (110, 45),
    "tuning49.toml": (108, 44),
    "tuning50.toml": (110, 44),
    "holdout14.toml": (108, 45),
    "holdout15.toml": (107, 44),
    "holdout16.toml": (107, 45),
    "holdout17.toml": (106, 43),
    "holdout18.toml": (104, 43),
    "holdout19.toml": (100, 43),
    "tuning51.toml": (109, 44),
    "tuning52.toml": (109, 44),
    "tuning53.toml": (109, 45),
    "tuning54.toml": (109, 44),
    "tuning55.toml": (107, 45),
    "tuning56.toml": (108, 45),
    "tuning57.toml": (109, 45),
    "tuning58.toml": (109, 45),
    "tuning59.toml": (107, 44),
    "tuning60.toml": (108, 45),
    "tuning61.toml": (109, 45),
    "tuning62.toml": (110, 44),
    "tuning63.toml": (110, 45),
    "tuning64.toml": (109, 45),
    "holdout20.toml": (103, 45),
    "holdout21.toml": (101, 45),
    "tuning65.toml": (108, 45),
    "tuning66.toml": (110, 45),
    "holdout22.toml": (99, 45),
    "holdout23.toml": (102, 44),
    "tuning67.toml": (108, 45),
    "tuning68.toml": (107, 45),
    "tuning69.toml": (106, 45),
    "tuning70.toml": (107, 45),
    "tuning71.toml": (107, 45),
    "tuning72.toml": (108, 45),
    "holdout24.toml": (106, 43),
    "holdout25.toml": (104, 45),
    "tuning73.toml": (109, 45),
    "tuning74.toml": (109, 45),
    "tuning75.toml": (110, 45),
    "tuning76.toml": (109, 45),
    "tuning77.toml": (110, 45),
    "tuning78.toml": (107, 45),
    "tuning79.toml": (107, 45),
    "tuning80.toml": (109, 45),
    "tuning81.toml": (109, 45),
    "tuning82.toml": (109, 45),
    "tuning83.toml": (108, 44),
    "tuning84.toml": (110, 45),
    "tuning85.toml": (110, 45),
    "tuning86.toml": (110, 45),
    "tuning87.toml": (110, 45),
    "tuning88.toml": (105, 45),
    "tuning89.toml": (110, 45),
    "tuning90.toml": (108, 45),
    "tuning91.toml": (101, 45),
    "tuning92.toml": (109, 45),
    "tuning93.toml": (102, 45),
    "tuning94.toml": (105, 45),
    "tuning95.toml": (110, 45),
    "tuning96.toml": (108, 45),
    "tuning97.toml": (108, 45),
    "tuning98.toml": (110, 45),
    "tuning99.toml": (104, 45),
    "tuning100.toml": (104, 45),
    "tuning101.toml": (107, 45),
    "tuning102.toml": (107, 45),
    "tuning103.toml": (109, 45),
    "tuning104.toml": (103, 45),
    "tuning105.toml": (106, 45),
    "tuning106.toml": (109, 45),
    "tuning107.toml": (109, 44),
    "tuning108.toml": (110, 45),
    "tuning109.toml": (109, 45),
    "tuning110.toml": (107, 45),
    "tuning112.toml": (107, 45),
    "tuning111.toml": (109, 45),
    "tuning113.toml": (105, 45),
    "tuning114.toml": (99, 45),
    "tuning115.toml": (107, 45),
    "tuning116.toml": (107, 45),
    "tuning117.toml": (104, 45),
    "tuning118.toml": (98, 45),
    "tuning119.toml": (103, 44),
    "tuning120.toml": (102, 45),
    "tuning121.toml": (102, 45),
    "tuning122.toml": (97, 45),
    "holdout26.toml": (107, 44),
    "holdout27.toml": (100, 45),
    "holdout28.toml": (101, 45),
    "holdout29.toml": (97, 44),
    "holdout30.toml": (98, 45),
    "holdout31.toml": (101, 43),
    "holdout32.toml": (105, 45),
    "holdout33.toml": (102, 44),
    "holdout34.toml": (106, 45),
    "holdout35.toml": (105, 44),
    "holdout36.toml": (105, 45),
    "holdout37.toml": (104, 44),
    "holdout38.toml": (100, 44),
    "holdout39.toml": (103, 44),
    "holdout40.toml": (104, 44),
    "holdout41.toml": (91, 45),
    "holdout42.toml": (105, 44),
    "holdout43.toml": (104, 45),
    "holdout44.toml": (101, 44),
    "holdout45.toml": (99, 43),
    "holdout46.toml": (103, 45),
    "holdout47.toml": (99, 45),
}


def test_every_labelled_set_has_a_floor() -> None:
    assert set(FLOORS) == set(LABELLED_SETS)


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_accuracy_does_not_regress(answerer: Answerer, name: str) -> None:
    outcomes = evaluate(answerer, load_questions(DATA / name))
    right_first = sum(o.right for o in outcomes if o.question.answerable)
    right_declines = sum(o.right for o in outcomes if not o.question.answerable)
    # The sets kept as honest measures must stay unread: a failure there gives counts only.
    wrong = "(not listed)" if name in UNREAD else [o.question.text for o in outcomes if not o.right]
    min_first, min_declines = FLOORS[name]
    assert right_first >= min_first, f"{right_first} right first citations; wrong: {wrong}"
    assert right_declines >= min_declines, f"{right_declines} right declines; wrong: {wrong}"


def test_no_citation_is_ever_invented_on_any_labelled_question(answerer: Answerer) -> None:
    # Compared with the files on disk, not with the text the fact base loaded into memory.
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt")}
    for name in QUESTION_FILES:
        for outcome in evaluate(answerer, load_questions(DATA / name)):
            for citation in outcome.answer.citations:
                text = on_disk[citation.source]
                assert text[citation.start : citation.end] == citation.excerpt
