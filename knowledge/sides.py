"""Whose stance a question asks about (domain layer, no I/O).

The matcher reads a bag of words, so "did Ukraine reject the plan?" shares every word with
"did Russia reject the plan?" and would quote Moscow's rejection. Facts that report a side's
stance say whose it is (`stance_of` in `knowledge/facts/*.toml`); `asked_side` reads the side a
question makes the subject of a stance verb, so that the answerer can keep another side's stance
out of the reply (see `knowledge.answer.Answerer._for_side`).
"""

from __future__ import annotations

import itertools
from typing import Literal

Side = Literal["russia", "ukraine", "west", "us"]

# The words (as the question reads once aliases are applied: "Moscow" is "russia", "Kyiv's
# Western allies" "kyiv west allies") that name a side or one of its people.
_SIDE_WORDS: dict[str, Side] = {
    **dict.fromkeys(
        "russia russian russians kremlin moscow putin lavrov".split(),
        "russia",
    ),
    **dict.fromkeys(
        "ukraine ukrainian ukrainians kyiv kiev zelensky zelenskyy".split(),
        "ukraine",
    ),
    **dict.fromkeys(
        """west western westerners allies ally allied partners backers supporters friends
        europe european europeans eu nato macron cameron stoltenberg british britain brits uk
        french france""".split(),
        "west",
    ),
    **dict.fromkeys("usa american americans washington trump".split(), "us"),
}
# Words for a side's friends: "Kyiv's *allies*" are another side than Kyiv (see `_subject`).
_RELATIONAL = frozenset("allies ally partners backers supporters friends".split())
# Words that may end a side's noun phrase: "the Russian *side*", "Ukrainian *officials*".
_HEADS = frozenset(
    """side sides officials government leadership leaders leader president administration
    authorities camp capitals""".split()
)
# Words that open a question whose subject follows: "did / is / would <side> ...", and "not",
# which a negated one ("didn't", "isn't") is read as.
_AUXILIARIES = frozenset(
    """not do does did is are was were has have had will would could can should might may dont
    doesnt didnt isnt arent wasnt werent hasnt havent wont wouldnt cant couldnt
    shouldnt""".split()
)
# Words after which a side named later is no object of the stance asked about (see
# `_sides_for`).
_OPENERS = _AUXILIARIES | {"for"}
_ADVERBS = frozenset(
    """really actually just even ever also still now firmly officially formally openly
    already not never basically publicly fully truly seriously so very too quite more
    less""".split()
)
# Verbs and adjectives of a stance towards something, in the forms a question uses them. Not
# "backed" or "backing": "did the US-backed plan ..." names the plan, not what the US did.
_STANCE = frozenset(
    """reject rejects rejected rejecting rejection dismiss dismisses dismissed dismissing
    refuse refuses refused refusing oppose opposes opposed opposing against resist resists
    resisted block blocks blocked veto vetoed bail bailed accept accepts accepted accepting
    agree agrees agreed approve approves approved support supports supported supporting back
    backs endorse endorses endorsed endorsing welcome welcomes welcomed welcoming embrace
    embraced like likes liked love loves hate hates praise praised favour favor favours favors
    favoured favored prefer prefers want wants wanted insists insist insisted demand demands
    demanded seek seeks sought push pushes pushed pushing urge urges urged doubt doubts
    doubted trust trusts trusted distrust fear fears feared worry worries worried criticise
    criticize criticised criticized condemn condemned slam slammed warn warns warned think
    thinks thought believe believes believed feel feels felt claim claims claimed argue argues
    argued react reacts reacted reacting respond responds responded reply replied receive
    received view views viewed stall stalls stalled stalling bide biding delay delaying
    willing unwilling ready open happy unhappy keen eager prepared satisfied content
    comfortable cautious wary sceptical skeptical optimistic hopeful concerned nervous
    upset""".split()
)


def asked_side(text: str) -> Side | None:
    """The side whose stance `text` (a question as read: folded, aliases applied) asks about:
    the subject of a stance verb or adjective after an auxiliary or at the start ("did
    *ukraine reject* the plan", "is *the west* just stalling", "why are *the allies* so
    *keen*", "*west stalling*?"), or None.

    A question that names another side before the verb, one the stance is for ("why is
    Ukraine joining NATO a no-go for the Russians?") or a second subject ("did Ukraine reject
    the plan, and why did Russia?") has none: the stance asked about may be either side's."""
    tokens = text.split()
    for at, token in enumerate(tokens):
        if token in _AUXILIARIES:
            found = _subject(tokens, at + 1)
        else:
            found = _subject(tokens, 0) if at == 0 else None
        if found is not None:
            side, verb_at = found
            others = {
                s
                for t, after in itertools.pairwise(tokens[: at + 1])
                # "the US-backed plan" names the plan.
                if (s := _side_of(t)) and after != "backed"
            }
            others |= _sides_for(tokens[verb_at:])
            return side if others <= {side} else None
    return None


def _sides_for(tokens: list[str]) -> set[Side]:
    """The sides `tokens` name right after "for", an auxiliary or "what about": a side the
    stance is for ("a red line for (the) russia") or a second subject ("... and why did
    russia?", "... what about russia?")."""
    found: set[Side] = set()
    for at, token in enumerate(tokens):
        if token not in _OPENERS and tokens[at - 1 : at + 1] not in (
            ["what", "about"],
            ["how", "about"],
        ):
            continue
        following = tokens[at + 1 : at + 3]
        if following[:1] == ["the"]:
            following = following[1:]
        if following and (side := _side_of(following[0])):
            found.add(side)
    return found


def _side_of(token: str) -> Side | None:
    """The side `token` names, also in a possessive typed without its apostrophe
    ("russias")."""
    return _SIDE_WORDS.get(token) or (_SIDE_WORDS.get(token[:-1]) if token.endswith("s") else None)


def _subject(tokens: list[str], at: int) -> tuple[Side, int] | None:
    """The side named by the noun phrase at `at` if a stance verb follows it, and where the
    verb is."""
    if at < len(tokens) and tokens[at] == "the":
        at += 1
    sides: list[Side] = []
    if at + 1 < len(tokens) and tokens[at - 1 : at + 1] == ["the", "us"]:
        # "does the US support it?": "us" is the United States only after "the".
        sides, at = ["us"], at + 1
    while at < len(tokens) and (_side_of(tokens[at]) or (sides and tokens[at] in _HEADS)):
        if side := _side_of(tokens[at]):
            sides.append(side)
        at += 1
    head = tokens[at - 1]
    while at < len(tokens) and tokens[at] in _ADVERBS:
        at += 1
    if not sides or at >= len(tokens) or tokens[at] not in _STANCE:
        return None
    # "kyiv west allies" are the West: the last word is the head, the others qualify it, and
    # only a word for allies may follow another side's name ("lavrov west demands" is no
    # phrase).
    if len(set(sides)) > 1 and head not in _RELATIONAL:
        return None
    return sides[-1], at
