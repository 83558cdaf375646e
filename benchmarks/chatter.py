"""Whether answers survive chatter around a question: `python benchmarks/chatter.py [N]`.

Takes N questions (default 300) from the labelled sets whose misses are read, plainly written
ones (fragments, full questions, typos, spelling variants) that the bot answers right as they
stand, and asks each again inside each of a list of wrappers of office and Slack chatter
("pulse check: ...", "... (for the Q3 review)") and of Slack habits ("sorry if dumb q but ...",
"... thx in advance :pray:"). Prints, per wrapper, how many are still
answered right. The sets kept unread are not used. An accuracy measure, not part of the tests.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge.answer import Answerer  # noqa: E402
from knowledge.evaluation import (  # noqa: E402
    LABELLED_SETS,
    UNREAD,
    LabelledQuestion,
    is_right,
    load_questions,
)
from knowledge.store import load_fact_base  # noqa: E402

WRAPPERS = (
    "pulse check: {q}",
    "<!here> quick one for the stakeholder deck: {q}",
    "{q} need it for the exec summary",
    "{q} `urgent`",
    "*risk register* update: {q}",
    "<@U0PEACE> {q} need bullets for the roadmap",
    "hey team, {q} thx",
    "{q} <#C0GEO|geo-risk>",
    "FYI for the board memo - {q}",
    "{q} (for the Q3 review)",
    "<!channel> {q} :pray:",
    "circling back on this: {q}",
    "{q} asking for a client call in 10",
    "per the <https://example.com/nmn|NMN writeup>, {q}",
    "tl;dr please: {q}",
    "Action item from standup: {q}",
    "Heads up for the client briefing: {q}",
    "{q} \u2014 asking for the ops sync",
    "Context for the newsletter draft: {q}",
    "{q} (asking for a friend)",
    "Prepping the leadership offsite - {q}",
    "{q} [for the weekly digest]",
    "two sec: {q}",
    "{q} (need this by EOD)",
    "random q from sales: {q}",
    "<@U0PEACE> slide 4 of the board deck: {q}",
)
# Team-channel habits (asked of the bot in a thread, a DM or a busy channel).
SLACK_HABITS = (
    "quick q: {q}",
    "anyone know {q}",
    "{q} :eyes:",
    "+1 to this, {q}",
    "sorry if dumb q but {q}",
    "{q}?? :thinking_face:",
    "> {q}",
    "re: {q}",
    "{q} cc <@U0XYZ12>",
    "bump - {q}",
    "<!here> anyone? {q}",
    "{q} ty!",
    "q for the bot: {q}",
    "{q} :thread:",
    "ok so {q}",
    "{q} thx in advance :pray:",
    "hey <@U0PEACE> {q}",
    "{q} (asking for the thread above)",
    "following up - {q}",
    "{q} lmk",
)
PLAIN_STYLES = frozenset({"full", "fragment", "typo", "variant"})
SEED = 7


def plain_questions(answerer: Answerer, count: int) -> list[LabelledQuestion]:
    """`count` plainly written questions of the read sets that are answered right as they are."""
    pool = [
        question
        for name in LABELLED_SETS
        if name not in UNREAD
        for question in load_questions(ROOT / "tests" / "data" / name)
        if question.answerable and question.style in PLAIN_STYLES and question.text[:1].isalpha()
    ]
    random.Random(SEED).shuffle(pool)
    base = answerer.base
    right = (q for q in pool if is_right(base, q, answerer.answer(q.text)))
    return [q for _, q in zip(range(count), right, strict=False)]


def _following(question: str) -> str:
    """`question` as it reads after some chatter: "pulse check: who rejected the plan"."""
    question = question.strip()
    return question[0].lower() + question[1:]


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    answerer = Answerer(load_fact_base(ROOT / "seeds", ROOT / "knowledge"))
    questions = plain_questions(answerer, count)
    for name, wrappers in (("office chatter", WRAPPERS), ("Slack habits", SLACK_HABITS)):
        total = 0
        for wrapper in wrappers:
            right = sum(
                is_right(answerer.base, q, answerer.answer(wrapper.format(q=_following(q.text))))
                for q in questions
            )
            total += right
            print(f"{right:5d}/{len(questions)}  {wrapper}")
        print(f"{total:5d}/{len(questions) * len(wrappers)}  all {name}\n")


if __name__ == "__main__":
    main()
