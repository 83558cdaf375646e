"""What kind of answer a question asks for (domain layer: standard library only).

"When ...?" wants a time, "what month ...?" a month or day, "how many ...?" a number and "how
wide ...?" (or one asked in kilometres or miles) a measurement. A fact whose excerpts hold
none cannot answer such a question, however many words it shares with it: this is what keeps
"how many peacekeepers would be deployed?" from being answered with the sentence that merely
mentions peacekeepers. "Why ...?" wants a reason: not a filter, but a preference for the fact
that explains over the one that states (`knowledge.answer`).

A long question may end in a question of its own after some preamble ("Sorry if this is basic,
but I was asked for the newsletter: what would need to change for a settlement?"): the
preamble's words can sink the match, so the last question is worth asking alone
(`last_question`). So is a message without the aside that labels it ("pulse check: nato 20
years", "ceasefire terms (for the Q3 review)": `without_asides`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from enum import Enum

from knowledge.text import (
    NEWSROOM,
    STOPWORDS,
    is_english,
    strip_emoji_codes,
    strip_slack_markup,
    words,
)


class Wants(Enum):
    """The kind of answer a question asks for."""

    ANYTHING = "anything"
    TIME = "time"
    DAY = "day"
    NUMBER = "number"
    SIZE = "size"
    REASON = "reason"


# Words people put before the question proper ("so when ...", "ok how many ...").
_LEAD_IN = frozenset(
    "so and but ok okay hey hi quick q wait um btw also then lol yo tbh ngl".split()
)
_TIME_PHRASES = (
    ("what", "year"),
    ("which", "year"),
    ("what", "time"),
    ("how", "soon"),
)
# A year is no answer to these.
_DAY_PHRASES = (
    ("what", "date"),
    ("which", "date"),
    ("what", "day"),
    ("which", "day"),
    ("what", "month"),
    ("which", "month"),
)
_REASON_PHRASES = (("how", "come"), ("what", "reason"), ("what", "reasons"), ("what", "made"))
# "explain why ...", "but why did ...", "bottom line on why ...": a why in the first five
# words asks for a reason.
_WHY = frozenset(("why", "whyd"))
_WAS_REASON = ["what", "was", "the", "reason"]
_NUMBER_PHRASES = (
    ("how", "many"),
    ("how", "much"),
    ("how", "long"),
    ("how", "old"),
    ("what", "percentage"),
    ("what", "percent"),
    ("how", "often"),
)
_SIZE_PHRASES = (
    ("how", "wide"),
    ("how", "big"),
    ("how", "large"),
    ("how", "deep"),
    ("how", "tall"),
    ("what", "size"),
    ("what", "area"),
)

# What a "how big" question can ask about without wanting a measurement.
_FIGURATIVE = frozenset(
    "gap gulf divide divides division divisions difference differences rift chasm split "
    "disagreement disagreements obstacle obstacles hurdle hurdles problem challenge".split()
)

_NUMBER_WORDS = (
    "one two three four five six seven eight nine ten eleven twelve fifteen twenty thirty forty "
    "fifty hundred hundreds thousand thousands million millions billion dozen dozens decade "
    "decades half"
).split()
_MONTHS = (
    "january february march april may june july august september october november december"
).split()
_NUMBER = re.compile(r"\d|\b(?:" + "|".join(_NUMBER_WORDS) + r")\b", re.IGNORECASE)
_TIME = re.compile(
    r"\b(?:1[89]\d\d|20\d\d|" + "|".join(_MONTHS) + r"|week|weeks|month|months|year|years|"
    r"decade|decades|today|yesterday|tomorrow|ago|spring|summer|autumn|fall|winter)\b",
    re.IGNORECASE,
)


_SIZE = re.compile(r"\d[\d,.]*\s*(?:km|kilomet|mile|met|square|sq|acre|hectare)", re.IGNORECASE)
# Case matters: excerpts are the articles' own text, where "may" is a verb and "World Today
# News" a name, while a month or weekday is capitalised.
_DAY = re.compile(
    r"\b(?:"
    + "|".join(m.capitalize() for m in _MONTHS)
    + r"|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b"
    + r"|\b(?:today|yesterday|tomorrow)\b"
)
# Asked in these units, a question not opening with who/why/when/where wants a measurement.
_UNITS = frozenset("km kms kilometre kilometres kilometer kilometers mile miles sq".split())
# Openers before the question proper: "can you explain why ...", "do you know when ...".
_OPENERS = (("can", "you"), ("could", "you"), ("do", "you", "know"), ("any", "idea"))
# Slack markup (mentions, links with their labels): where and what the question points at, not
# what it asks.
_MARKUP = re.compile(r"<[^<>]*>")


# A "when" clause that sets the scene ("When the Kremlin talks about X, what ...?"), not a "when"
# that asks ("when did ...", "when exactly ...", "when in 2024 ..."), before the question proper
# after a comma. Matched only where the question's first "when" stands.
_WHEN_CLAUSE = re.compile(
    r"when\s+(?!(?:did|does|do|is|are|was|were|will|would|can|could|has|have|had|should"
    r"|exactly|roughly|about|around|approximately|in|on|next|then)\b)"
    r"[^\s,?][^,?]*,\s*(?=(?:what|who|whom|whose|why|how|which|where|is|are|does|do|did)\b)",
    re.I,
)
_WHEN = re.compile(r"\bwhen\b", re.I)
# How much of a question is read for what it asks: a huge message is no question.
_MAX_CHARS = 1000
# Question words, and how many words after one say what it asks for (see `asked_for`).
_ASKING = frozenset("what whats which who whos whose whom where wheres how hows about abt".split())
_ASKED_WORDS = 3
# Wherever it stands, "name" asks for one: "who drafted it, by name?", "names pls".
_NAME = frozenset(("name", "names"))
_SENTENCE_END = re.compile(r"[.!?:;\n]+")
_CAPITALISED = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")  # "O'Brien" is one word
# Words that open a question asking for yes or no; "or nah" still asks for one.
_YES_OR_NO = frozenset(
    "did does do is are was were will would can could has have had should".split()
)
_NO = frozenset(("not", "nah", "no", "nope", ""))
# Words for a passage of an article, after which "where" points into the text.
_PASSAGE = frozenset(
    "line lines bit bits part parts passage passages section paragraph quote sentence".split()
)
_MENTION = frozenset(("mention", "mentions", "mentioned"))


def _question_proper(tokens: list[str]) -> list[str]:
    """`tokens` without the lead-in words and openers before the question proper ("ok so can
    you tell me ...")."""
    stripped = True
    while tokens and stripped:
        stripped = False
        while tokens and tokens[0] in _LEAD_IN:
            tokens, stripped = tokens[1:], True
        for opener in _OPENERS:
            if tuple(tokens[: len(opener)]) == opener:
                tokens, stripped = tokens[len(opener) :], True
    return tokens


def wants(question: str) -> Wants:
    """The kind of answer `question` asks for, judged from how it opens (and, for a
    measurement, from the units it is asked in)."""
    question = question[:_MAX_CHARS]
    # "what % of ..." asks for a number as much as "what percent of ..." does.
    tokens = _question_proper(
        words(strip_emoji_codes(_MARKUP.sub(" ", question)).replace("%", " percent "))
    )
    head = tuple(tokens[:2])
    first_when = _WHEN.search(question) if head[:1] == ("when",) else None
    clause = _WHEN_CLAUSE.match(question, first_when.start()) if first_when else None
    if clause:
        # "When the Kremlin talks about X, what does it mean?": the time is the setting, and
        # the question proper comes after the comma.
        return wants(question[clause.end() :])
    if head in _DAY_PHRASES or (head[:1] == ("on",) and tuple(tokens[1:3]) in _DAY_PHRASES):
        return Wants.DAY
    if head[:1] == ("when",) or head in _TIME_PHRASES:
        return Wants.TIME
    if head in _SIZE_PHRASES:
        # "How big is the gap between the sides?" asks how far apart they are, not for a size.
        return Wants.ANYTHING if not _FIGURATIVE.isdisjoint(tokens[2:6]) else Wants.SIZE
    if head in _NUMBER_PHRASES:
        return Wants.SIZE if not _UNITS.isdisjoint(tokens) else Wants.NUMBER
    if head in _REASON_PHRASES or not _WHY.isdisjoint(tokens[:5]) or tokens[:4] == _WAS_REASON:
        return Wants.REASON
    if head[:1] not in (("who",), ("where",)) and not _UNITS.isdisjoint(tokens):
        return Wants.SIZE
    return Wants.ANYTHING


# Words that ask to compare the articles' accounts ("how do the two pieces differ on...", "do
# both put the ceasefire line in the same place?", "withdrawals versus recognition").
_COMPARING = re.compile(
    r"\b(?:both|compare[ds]?|comparing|differ(?:s|ence|ences)?|versus|vs|disagree|line up"
    r"|two (?:articles|pieces|stories|reports|accounts|outlets|sources|versions)"
    r"|each (?:article|piece|story|report|account|outlet|source|version|one))\b",
    re.I,
)


def _words(question: str) -> list[str]:
    """The words of `question` as read for what it asks: Slack markup and emoji codes gone."""
    return words(_MARKUP.sub(" ", strip_emoji_codes(question[:_MAX_CHARS])))


def asked_for(question: str) -> list[str]:
    """The words that say what `question` asks for: the few after each question word or
    "about" ("which *European countries would* send troops?", "who *runs the* Jamestown
    Foundation?", "what did Putin say about *the Russian economy*?"), and "name"."""
    tokens = _words(question)
    asked = [
        token
        for at, word in enumerate(tokens)
        if word in _ASKING
        for token in tokens[at + 1 : at + 1 + _ASKED_WORDS]
    ]
    return asked + [t for t in tokens if t in _NAME]


def capitalised(question: str) -> list[str]:
    """The words capitalised inside a sentence of `question` (not opening it): names, as
    people write them ("How do I sort a *Python* dict?"). Slack markup ends a sentence."""
    text = _MARKUP.sub(". ", strip_emoji_codes(question[:_MAX_CHARS]))
    return [
        word
        for sentence in _SENTENCE_END.split(text)
        for word in _CAPITALISED.findall(sentence)[1:]
        if word[0].isupper() and len(word) > 1
    ]


def compares(question: str) -> bool:
    """Whether `question` asks to compare accounts, which takes more than one fact to answer."""
    return _COMPARING.search(question) is not None


# The nouns that say which kind of answer is wanted ("what time", "which year"), as stems.
_KIND_NOUNS = frozenset(
    {"time", "times", "year", "years", "date", "dates", "day", "days", "month", "months"}
)


def asks_openly(question: str) -> bool:
    """Whether `question` asks what, who, which, how or why about one thing: not for yes or no
    ("did Macron say France would send troops?", though "a hard no or a maybe?" offers a
    choice), not where, and not how the articles compare."""
    tokens = _question_proper(_words(question))
    choice = any(
        word == "or" and after not in _NO for word, after in itertools.pairwise([*tokens, ""])
    )
    # "does the plan say anything about the Donbass?" asks what it says.
    what_it_says = "anything" in tokens or not _MENTION.isdisjoint(tokens)
    yes_or_no = bool(tokens) and tokens[0] in _YES_OR_NO and not choice and not what_it_says
    return not yes_or_no and not _asks_where(tokens) and not compares(question)


def _asks_where(tokens: list[str]) -> bool:
    """Whether the question proper `tokens` asks where: any "where" does, except one that
    points into the text after a word for a passage ("the line where Lavrov says ...")."""
    return any(
        word == "wheres" or (word == "where" and (at == 0 or tokens[at - 1] not in _PASSAGE))
        for at, word in enumerate(tokens)
    )


def kind_only(stems: Iterable[str]) -> bool:
    """Whether a question's content `stems` only say what kind of answer it wants."""
    stems = set(stems)
    return bool(stems) and stems <= _KIND_NOUNS


def can_answer(kind: Wants, excerpts: list[str]) -> bool:
    """Whether any of `excerpts` holds the kind of thing the question wants."""
    if kind is Wants.TIME:
        return any(_TIME.search(e) for e in excerpts)
    if kind is Wants.DAY:
        return any(_DAY.search(e) for e in excerpts)
    if kind is Wants.NUMBER:
        return any(_NUMBER.search(e) for e in excerpts)
    if kind is Wants.SIZE:
        return any(_SIZE.search(e) for e in excerpts)
    return True


# Where the question proper may start after a preamble: after a colon, a semicolon, a dash or
# "so"/"but", at a question word. A comma is no such place ("How much relief, in dollars, would
# Russia get?" is one question), nor is a question mark: "what did Biden say? who rejected the
# plan?" is two questions, and answering the second alone would pass over the first.
_WH_WORD = r"what|who|whom|whose|why|how|which|when|where"
_AUXILIARY = r"did|does|do|is|are|was|were|would|will|can|could|has|have"
_QUESTION_WORD = rf"(?:{_WH_WORD}|{_AUXILIARY})\b"
_CLAUSE_BREAK = re.compile(
    r"(?:[:;\u2014\u2013]|\s--?\s|\bso\b|\bbut\b)\s*(?=" + _QUESTION_WORD + ")", re.I
)
# What follows a question mark is a second question, not a remark, when it opens with a question
# word ("who edits it"), or with an auxiliary and its subject ("is it", "did the editor") rather
# than a verb ("would love to credit it", "was told").
_SECOND_QUESTION = re.compile(
    rf"[\W_]*(?:(?:and|also|plus|or)\s+)?(?:(?:{_WH_WORD})\b"
    rf"|(?:{_AUXILIARY}|should)\s+"
    r"(?:it|he|she|they|we|you|i|the|this|that|these|those|there|a|an|any|anyone|either|both"
    r"|russia|ukraine|moscow|kyiv|kiev|nato|putin|lavrov|trump|petrov)\b)",
    re.I,
)
# The first run of question marks ("??", "?!") and what stands either side of it.
_FIRST_MARKS = re.compile(r"(\?[?!]*)")
# The markup a question may be wrapped in (*bold*, _italics_, `code`, ~strike~).
_WRAPPING = "*_~`"
# A last question that points back ("what did he say there?") needs its preamble; "is there"
# and "are there" point nowhere.
_POINTS_BACK = re.compile(
    r"\b(?:he|she|they|him|her|them|his|their|it|its)\b|(?<!\bis )(?<!\bare )\bthere\b"
    r"|\b(?:is|was|are|were|does|did|do|has)\s+(?:that|this)\b",
    re.I,
)


def last_question(question: str) -> str | None:
    """The question a longer text ends with after some preamble, if it stands on its own."""
    text = strip_emoji_codes(question).strip()
    parts = _CLAUSE_BREAK.split(text)
    if len(parts) < 2 or not parts[0].strip():
        return None  # no preamble
    last = parts[-1].strip()
    preamble = text[: len(text) - len(parts[-1])]
    if "?" in preamble or ("?" in text and "?" not in last):
        return None  # two questions, or a remark after one ("I need names for the caption.")
    if _POINTS_BACK.search(last):
        return None
    return last


def _first_question(question: str) -> tuple[str, str] | None:
    """The question a message opens with (up to its first question marks, unwrapped, spaces
    folded, ending in "?") and the rest, or None when no words stand before a question mark."""
    # Slack markup first, so that a "?" in a link's address is no question mark.
    text = strip_emoji_codes(strip_slack_markup(question)).strip()
    head, marks, tail = _FIRST_MARKS.split(text, maxsplit=1) if "?" in text else (text, "", "")
    head = head.strip().strip(_WRAPPING).strip()
    if not marks or not head:
        return None
    return " ".join(head.split()) + "?", tail


def _says_something(text: str) -> bool:
    """Whether `text` holds more than punctuation and wrapping markup."""
    return bool(text.strip(" !.:" + _WRAPPING))


def question_before_remark(question: str) -> str | None:
    """The question a message opens with when only a remark follows it ("who said it? need the
    attribution for the caption"), or None."""
    split = _first_question(question)
    if split is None:
        return None
    head, tail = split
    if "?" in tail or not _says_something(tail):
        return None
    if _SECOND_QUESTION.match(tail):
        return None  # a second question without its question mark
    return head


# How many words of a follow-up question may stand before the word that points back.
_FOLLOW_UP_OPENING = 4
_MARKS = re.compile(r"\?[?!]*")


def question_before_follow_up(question: str) -> tuple[str, str] | None:
    """The question a message opens with, and what follows it, when that is only questions
    that point back at it ("who called the demands unrealistic? was it Putin?")."""
    split = _first_question(question)
    if split is None:
        return None
    head, tail = split
    *asked, last = _MARKS.split(tail)
    if _says_something(last) and not _SECOND_QUESTION.match(last):
        return None  # a remark ("need it for the caption"): see `question_before_remark`
    follow_ups = [q for q in (*asked, last) if _says_something(q)]
    if not follow_ups:
        return None
    for follow_up in follow_ups:
        opening = " ".join(follow_up.split()[:_FOLLOW_UP_OPENING])
        if not _POINTS_BACK.search(opening):
            return None
    return head, " ".join(tail.split())


# An aside that labels a message: a few words before a colon or a spaced dash ("risk register
# update: ...", "FYI for the board memo - ..."), or after the message in brackets or after a
# dash, saying what it is for ("... (for the Q3 review)", "... - asking for the ops sync").
_LABEL = re.compile(r"^\s*([^:?\n]{1,60}?)\s*(?::|\s[-\u2013\u2014]\s)\s*(\S.*)$", re.S)
_CLOSING_ASIDE = re.compile(
    r"^(.*\S)\s*(?:\(([^()]{1,60})\)|\[([^\[\]]{1,60})\]|\s[-\u2013\u2014]\s+([^-\u2013\u2014?]{1,60}))\s*$",
    re.S,
)
# An aside after the message says what it is for, not what about: "(for the Q3 review)", "(need
# this by EOD)", "(urgent)"; "for the ..." and "need this ..." only with a word for a piece of
# work, a meeting or a person asking (the newsroom's chatter words and these), so "(to the
# BBC)", "- for Gaza", "- for the Baltics" and "- as prime minister" narrow it.
_PURPOSE = re.compile(
    r"\s*(?:((?:asking\s+)?for\s+(?:the|our|my|a|an|this|that)|needs?\s+(?:this|it|that))"
    r"|pls|please|thanks(?!\s+to\b)|thx|urgent|asap)\b",
    re.I,
)
_PURPOSE_NOUNS = NEWSROOM | frozenset(
    """
    review reviews digest sync syncs summary briefing brief meeting meetings call calls board
    team client clients boss manager eod eow friend records update updates recap wiki ticket
    offsite kickoff workshop class lecture lesson homework essay report roundup
    """.split()
)
# What opens an aside after a message, whatever it is for ("- for the digest", "- for Gaza"):
# what stands before it is no label.
_AFTERTHOUGHT = re.compile(r"\s*(?:asking|for|needs?|pls|please|thanks|thx|urgent|asap)\b", re.I)
_MAX_LABEL_WORDS = 8
_TOKEN = re.compile(r"[^\W_]+")


def _mere_aside(aside: str) -> bool:
    """Whether `aside` asks nothing and names nothing: no question, no question word, no kind
    of answer, no request for names, no year or number, no capitalised word that is no common
    English word (a name: "Biden: did the plan pass?")."""
    if "?" in aside or wants(aside) is not Wants.ANYTHING:
        return False
    tokens = _TOKEN.findall(aside)
    if any(token.lower() in _ASKING | _NAME or token.isdigit() for token in tokens):
        return False
    return not any(
        token[0].isupper()
        and not any(c.isdigit() for c in token)
        and not is_english(token.lower())
        and token.lower() not in STOPWORDS  # "FYI", "ASAP"
        for token in tokens
    )


def _for_a_purpose(aside: str) -> bool:
    """Whether an aside after a message says what it is for (see `_PURPOSE`)."""
    purpose = _PURPOSE.match(aside)
    if purpose is None:
        return False
    return not purpose.group(1) or not _PURPOSE_NOUNS.isdisjoint(words(aside))


def without_asides(question: str) -> list[tuple[str, tuple[str, ...]]]:
    """`question` without the asides that label it and ask nothing ("pulse check: nato 20
    years", "ceasefire terms (for the Q3 review)"), if it has any: each reading worth asking
    alone with the asides it leaves out, the one without every aside last. A label's words
    are chatter to the match, and unknown ones sink it. Not when what is left points back at
    the label ("prisoner swaps - are they in the plan?")."""
    text = strip_emoji_codes(strip_slack_markup(question[:_MAX_CHARS])).strip()
    readings: list[tuple[str, tuple[str, ...]]] = []
    label = _LABEL.match(text)
    if (
        label
        and len(label.group(1).split()) <= _MAX_LABEL_WORDS
        and _mere_aside(label.group(1))
        and not _POINTS_BACK.search(label.group(2))
        and not _AFTERTHOUGHT.match(label.group(2))  # "ceasefire terms - for the digest"
    ):
        readings.append((label.group(2), (label.group(1),)))
    for rest, left_out in [(text, ()), *readings]:
        closing = _CLOSING_ASIDE.match(rest)
        aside = closing and next(group for group in closing.groups()[1:] if group is not None)
        if closing and aside and _for_a_purpose(aside) and _mere_aside(aside):
            readings.append((closing.group(1), (*left_out, aside)))
    return readings
