"""The search index over curated facts and article sentences (domain layer: rapidfuzz, stdlib).

How a question is matched:
1. Fold it (case, accents, quotes, dashes, Slack markup) into words.
2. Correct typos: a word the fact base has never seen is replaced by the closest known word
   (`knowledge.vocabulary`: OSA distance against the known words of similar length and the
   same first letter) when it is close enough.
3. Rewrite a piece named by a nickname ("the allies story") to the piece's own word, and
   aliases (Zelenskyy -> zelensky, Kremlin -> russia, ...); drop stop words, stem.
4. Score entries: how much of the question's weight (IDF) an entry covers, blended with how
   closely the question matches the entry's best single phrasing (weighted Jaccard, then
   rapidfuzz `token_set_ratio` on the words).
Curated facts outrank article sentences ("passages"), which only answer what no fact covers.
Questions curated as ones the articles do not answer are entries too: one that matches best
makes the bot decline (`knowledge.answer`).
Words the fact base has never seen keep a high weight, so a question about something the
articles do not mention ("what did Biden say?") scores low and is declined.

Finding the best entries without scoring every one gives the same hits as scoring every entry
that shares a stem with the question (`exhaustive_search` does that; tests and the benchmark
compare the two). A score has a ceiling that is cheap to compute: the share of the question's
weight an entry can cover, and how close its lightest phrasing could be (a phrasing much
heavier than the question cannot be close to it). Entries are grouped by which question terms
they hold, and where (in a phrasing, or only in an excerpt); groups are visited highest
ceiling first, and inside a group entries come lightest phrasing first (`knowledge.postings`),
so a group is left as soon as its ceiling falls below the scores already found, and the search
ends when no group's ceiling reaches them. Only entries that can still make the top are scored.
"""

from __future__ import annotations

import bisect
import functools
import gc
import itertools
import logging
import math
import operator
import re
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Container, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz

from knowledge.models import UNKNOWN_OUTLET, Citation, FactBase, Source
from knowledge.postings import ANYWHERE, PHRASED, UNSURE, Lookup, Postings, Term
from knowledge.sentences import list_lead_in, opening_label, split_sentences
from knowledge.text import (
    NOT_TYPO_TARGETS,
    STEM_LENGTH,
    STOPWORDS,
    AliasMap,
    content_stems,
    is_generic,
    name_words,
    names,
    stem,
    strip_emoji_codes,
    words,
)
from knowledge.tokens import (
    SEPARATOR,
    AliasRewriter,
    StemTable,
    agrees_with_text,
    fast_content_stems,
    fast_words,
    fast_words_joined,
    split_joined,
)
from knowledge.vocabulary import Vocabulary

logger = logging.getLogger(__name__)

# Longer questions are cut: nothing a person asks needs more, and it bounds the work per request.
MAX_QUESTION_CHARS = 1000
# A passage (uncurated sentence) is worth this fraction of a curated fact with the same match.
PASSAGE_WEIGHT = 0.86
# A heading ("US-Russia Peace Plan: Key Proposals") names a topic without saying anything about it.
HEADING_WEIGHT = 0.6
# Weight of a stem found only in a fact's excerpts, not in how people ask for it.
ANSWER_SIDE_WEIGHT = 0.9
# How a score is made: question coverage, closeness to the best phrasing, string similarity.
W_COVERAGE = 0.6
W_PHRASE = 0.3
W_CLOSENESS = 0.1
# A word the fact base has never seen weighs this fraction of the rarest known word: enough to
# sink a question about something else, not so much that an unusual verb sinks a good match.
UNKNOWN_FACTOR = 0.6
# Everyday verbs and adjectives (`knowledge.text.GENERIC`) weigh this fraction of their weight,
# and so do the words of the story's own subject (see `subject_stems`).
GENERIC_FACTOR = 0.3

# The question's heaviest terms (at most this many) define the groups of entries visited;
# lighter terms are assumed present everywhere, which keeps the ceilings safe.
MAX_GROUP_TERMS = 5
# A question no entry answers well can tie thousands of entries on a low score; after this many
# entries scored, or looked at, the best found so far are returned (and logged). A question some
# entries answer clearly ends long before: their scores rule the others out.
MAX_SCORED = 1500
MAX_LOOKED = 30_000
# An entry that covers less of the question's weight than this is not a match: it shares one
# common word with a question about something else ("price of apple stock today"). Leaving such
# entries out also spares the search from ranking thousands of them that tie on that word.
MIN_HIT_COVERAGE = 0.25
# A heavy term held by at most this many entries is "rare" (a place name, say): the entries
# holding one are sorted into groups by exactly what they hold (see `Index._groups`), instead
# of intersecting posting lists for every combination of terms, most of which would hold only
# one or two of those entries.
RARE_POSTINGS = 1024
_BUILD_CHUNK = 256  # facts (or passages) tokenised in one pass
# An "unanswered" entry is a question the articles are known not to answer (see
# `knowledge.models.Unanswered`): matched like a fact's phrasings, it wins only to decline.
_FACT, _PASSAGE, _HEADING, _UNANSWERED = 0, 1, 2, 3
_KIND_FACTOR = (1.0, PASSAGE_WEIGHT, HEADING_WEIGHT, 1.0)
_KIND_NAME = ("fact", "passage", "passage", "unanswered")
_ASKED = frozenset({_FACT, _UNANSWERED})  # kinds whose phrasings are how people ask for them
_NOTHING: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class Hit:
    """A scored match: `key` is a fact id or a passage id; `score` is 0-100."""

    key: str
    kind: str  # "fact", "passage" or "unanswered"
    score: float
    coverage: float


@dataclass(frozen=True, slots=True)
class Query:
    """A question after normalisation: its content stems with their weights."""

    text: str
    stems: tuple[str, ...]
    weights: tuple[float, ...]
    related: tuple[tuple[str, ...], ...]
    corrected: tuple[tuple[str, str], ...]
    # Whether every content word is an everyday one ("is standup moved?"): no topic to look up.
    everyday: bool = False


class _Best:
    """The best `limit` hits so far, ordered like the final result (score down, then key).

    Scores are rounded to 3 decimals and equal scores sort by key, so an entry is ruled out by
    a ceiling below `floor`, or below `tie_floor` when its key sorts after `worst_key`. (Both
    leave a margin for float error between a ceiling and the score it bounds.)
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.items: list[tuple[float, str, Hit]] = []
        self.floor = self.tie_floor = -math.inf
        self.worst_key = ""

    def add(self, hit: Hit) -> None:
        item = (-hit.score, hit.key, hit)
        if len(self.items) >= self.limit and item[:2] >= self.items[-1][:2]:
            return
        bisect.insort(self.items, item)
        if len(self.items) > self.limit:
            self.items.pop()
        if len(self.items) == self.limit:
            worst, self.worst_key = -self.items[-1][0], self.items[-1][1]
            self.floor = worst - 0.0005 - 2e-7
            self.tie_floor = worst + 0.0005 - 2e-7

    def beats(self, ceiling: float, key: str | None = None) -> bool:
        """Whether an entry whose score is at most `ceiling` (and whose key is `key`, if known)
        cannot enter the best `limit`."""
        return ceiling < self.floor or (
            key is not None and ceiling < self.tie_floor and key > self.worst_key
        )

    def hits(self) -> list[Hit]:
        return [item[2] for item in self.items]


@dataclass(frozen=True, slots=True)
class _Group:
    """Entries holding a given set of question terms, each in a phrasing or only outside."""

    ceiling: float  # of any entry in the group
    lists: list[tuple[Term, int]]  # (term, side) that every entry holds
    covered: float  # the most of the question's weight an entry can cover
    mass: float  # the most IDF a phrasing can share with the question
    unmatched: float  # the least question weight outside every phrasing
    phrased: list[Term]  # the heavy terms the group holds in a phrasing
    light_weight: float  # the light terms' weight (assumed in every phrasing)
    # Rank order: the entries it describes exactly, when known (see `Index._groups`); None:
    # the entries holding `lists`, found by intersecting posting lists.
    members: list[int] | None


class _Search:
    """What scoring one question needs, worked out once: its terms and total weight, and for
    bounding closeness, its distinct words' joined length and its content words."""

    def __init__(self, index: Index, query: Query, limit: int) -> None:
        self.query = query
        self.terms = index._terms(query)
        self.known = [(t.ids, t.weight) for t in self.terms if t.ids]
        self.total = sum(query.weights)
        self.best = _Best(limit)
        self.closeness_of: dict[bytes, float] = {}  # by phrasing text: many entries share one
        distinct = set(query.text.split())
        self.chars = sum(map(len, distinct)) + len(distinct) - 1
        # (length, stem id or -1): a word whose stem a phrasing lacks is not among its words.
        self.content = [
            (len(word), index._stem_ids.get(stem(word), -1))
            for word in distinct
            if word not in STOPWORDS
        ]


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector: a build allocates millions of short-lived lists,
    and each full collection walks every object of a large fact base (seconds at a million
    facts) for nothing. The build makes no reference cycles; the previous state is restored,
    and the young generations are collected here rather than during the first searches."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
            gc.collect(1)


def _looks_like_heading(source_text: str, citation: Citation) -> bool:
    """A short line with no closing punctuation that is not a list item."""
    excerpt = citation.excerpt
    line_start = source_text.rfind("\n", 0, citation.start) + 1
    listed = source_text[line_start : citation.start].strip() != ""
    ends = excerpt.rstrip("”\"’')").endswith((".", "!", "?", ":"))
    return not listed and not ends and len(excerpt.split()) <= 10


def _text_steps(
    base: FactBase, aliases: AliasMap, checked: bool | None
) -> tuple[Callable[[str], list[str]], Callable[[list[str]], list[str]], Callable[..., list[str]]]:
    """Words, alias rewriting and content stems: `knowledge.tokens`' fast paths if they agree
    with `knowledge.text` on a sample of the fact base (or `checked` says they did when the
    index was built), else `knowledge.text` itself."""
    if checked is None:
        step = max(1, len(base.facts) // 25)
        sample = [t for f in base.facts[::step] for t in (f.topic, f.phrasings[0])]
        sample += [c.excerpt for f in base.facts[::step] for c in f.citations[:1]]
        sample += [p.citation.excerpt for p in base.passages[:: max(1, len(base.passages) // 25)]]
        sample += [variant for group in base.aliases.values() for variant in group]
        checked = agrees_with_text(sample, aliases)
        if not checked:
            logger.warning("knowledge.tokens disagrees with knowledge.text: the slow way it is")
    if checked:
        return fast_words, AliasRewriter(aliases).apply, fast_content_stems
    return words, aliases.apply, content_stems


def subject_stems(base: FactBase, aliases: AliasMap) -> frozenset[str]:
    """Stems in at least two pieces' titles, and in at least half of them: what the articles
    are about ("Russia", "US-backed", "plan"). A question names them as context ("what does
    Zelensky think of the US-backed plan?"), so a fact that answers it without repeating them
    should not lose for it; the words that say what is asked about keep their weight."""
    titles = [piece.title for source in base.sources.values() for piece in source.pieces]
    # Before and after aliases: "peace plan" may become "plan", yet people still say "peace".
    counts = Counter(
        s
        for t in titles
        for s in set(content_stems(words(t))) | set(content_stems(aliases.apply(words(t))))
    )
    return frozenset(s for s, n in counts.items() if n >= 2 and 2 * n >= len(titles))


def section_headings(base: FactBase) -> dict[str, list[tuple[int, str]]]:
    """Per source, its section headings ("US-Russia Peace Plan: Key Proposals") as (start,
    text), in order; a piece's title line is not a section heading."""
    headings: dict[str, list[tuple[int, str]]] = {}
    for passage in base.passages:
        citation = passage.citation
        source = base.sources[citation.source]
        if source.piece_at(citation.start).start == citation.start:
            continue
        if _looks_like_heading(source.text, citation):
            headings.setdefault(citation.source, []).append((citation.start, citation.excerpt))
    return headings


# How a question points at a piece by a nickname: "the *allies* story", "the Lavrov news
# report", "the piece on the allies". Plural nouns point at both articles, so they are not
# here; nor is "interview": "the TASS interview" is an event the report describes. ("The story
# about Putin's demands" is more often about the demands than the piece: only "on" links.)
_REFERENCE_NOUNS = ("article", "story", "piece", "report", "coverage", "writeup", "write up")
_REFERENCE_NOUNS += tuple(f"news {noun}" for noun in ("article", "story", "piece", "report"))
_DETERMINERS = ("the", "this", "that")
# The speaker's label that opens a line of a transcript: "Dr. Petrov:", "Senior Editor:".
_SPEAKER = re.compile(r"^([^:\n]{1,40}):", re.M)
_LETTERS = re.compile(r"[^\W\d_]+")


def _piece_tokens(base: FactBase) -> dict[tuple[str, int], str]:
    """A word of its own for each piece with nicknames, by (source, piece start), and for each
    file with nicknames, by (source, -1): every entry citing the piece holds its words, and a
    question that names the piece or the file by a nickname is rewritten to its word. (Pieces
    nobody named cost the index nothing.)"""
    keys = [(name, -1) for name, source in base.sources.items() if source.nicknames]
    keys += [
        (name, p.start)
        for name, source in base.sources.items()
        for p in source.pieces
        if p.nicknames
    ]
    if len(keys) >= 36 ** (STEM_LENGTH - 2):
        raise ValueError(f"{len(keys)} pieces and files: more than piece words can number")
    return {key: _piece_word(number) for number, key in enumerate(keys, 1)}


def _piece_word(number: int) -> str:
    """The word for piece or file `number`: "pc" and four base-36 digits (room for 1.6 million),
    six characters in all, so that the word is its own stem."""
    digits = ""
    for _ in range(STEM_LENGTH - 2):
        number, digit = divmod(number, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[digit] + digits
    return "pc" + digits


def piece_references(base: FactBase, aliases: AliasMap) -> dict[str, tuple[str, ...]]:
    """Alias groups that turn a question's reference to a piece ("what does the allies story
    say about NATO") or a file into its own word: the nickname is not what is asked about, so
    it must not count against a fact that does not repeat it, and the piece's facts should win
    a tie. They apply after `aliases`, so a nickname stands for its aliases too ("russia": "the
    Kremlin story"). A nickname two pieces (or files) share names neither."""
    tokens = _piece_tokens(base)
    named: dict[str, list[str]] = {}
    for name, source in base.sources.items():
        owners = [((name, -1), source.nicknames)]
        owners += [((name, piece.start), piece.nicknames) for piece in source.pieces]
        for key, nicknames in owners:
            for nickname in dict.fromkeys(" ".join(aliases.apply(words(n))) for n in nicknames):
                named.setdefault(nickname, []).append(tokens[key])
    groups: dict[str, list[str]] = {}
    for nickname, owners in named.items():
        if len(owners) != 1 or not nickname:
            continue
        variants = groups.setdefault(owners[0], [])
        # After a determiner: "did Russia report..." does not point at a report.
        for the, noun in itertools.product(_DETERMINERS, _REFERENCE_NOUNS):
            variants.append(f"{the} {nickname} {noun}")
            variants += [f"{the} {noun} on {nickname}", f"{the} {noun} on the {nickname}"]
    return {token: tuple(variants) for token, variants in groups.items()}


def _source_words(
    sources: dict[str, Source], citation: Citation, tokens: dict[tuple[str, int], str]
) -> str:
    """The words naming where `citation` stands: its piece's outlet, aliases and own word."""
    piece = sources[citation.source].piece_at(citation.start)
    outlet = "" if piece.outlet == UNKNOWN_OUTLET else piece.outlet
    own = [tokens.get((citation.source, at), "") for at in (piece.start, -1)]
    return " ".join([outlet, *piece.aliases, *own])


def _heading_of(
    citation: Citation, piece_start: int, headings: dict[str, list[tuple[int, str]]]
) -> str:
    """The heading of the section `citation` stands in ("" if none, or if it is one)."""
    above = [
        text
        for start, text in headings.get(citation.source, ())
        if piece_start <= start < citation.start
    ]
    return above[-1] if above else ""


def _name_stems(base: FactBase, stems_of: Callable[[str], list[str]]) -> frozenset[str]:
    """The stems of names of people, places, outlets and bodies ("Lavrov", "Kyiv", "NATO"):
    words the articles capitalise inside their sentences and never write in lower case. A
    sentence's first word says nothing either way (it is capitalised anyway, and one in lower
    case is a slip: "russia Rejects"), nor do title-case headings ("Key Proposals"). The
    people a piece is curated as quoting are names whatever their spelling ("Dr. petrov,")."""
    stems = functools.cache(stems_of)
    capitalised: set[str] = set()
    lower: set[str] = set()
    for source in base.sources.values():
        for sentence in split_sentences(source.text):
            # A line's title-case label is a heading of its own ("1. Security Gaps: The plan").
            found = _LETTERS.findall(sentence.text[opening_label(source.text, sentence) :])
            heading = sum(word[0].isupper() for word in found) * 2 > len(found)
            for word in found[1:]:
                if word[0].islower():
                    lower.update(stems(word))
                elif not heading:
                    capitalised.update(stems(word))
    voices = [v for source in base.sources.values() for p in source.pieces for v in p.voices]
    return frozenset(capitalised - lower).union(*map(stems, voices))


class Index:
    """Built once per fact base; `search` is read-only and safe to share between threads.

    Entries are the facts, the passages, then the known unanswered questions, in fact-base
    order ("positions"). They are also numbered by the weight of their lightest phrasing
    ("ranks"), which is the order posting lists keep them in.
    """

    def __init__(self, base: FactBase, *, _state: dict[str, Any] | None = None) -> None:
        self.aliases = AliasMap(base.aliases)
        # Only questions point at pieces: a phrasing that says "the allies story" keeps its
        # words, while every entry of that piece holds the piece's word (`_source_words`).
        self._references = AliasMap(piece_references(base, self.aliases))
        self._piece_words = _piece_tokens(base)
        self._subject = subject_stems(base, self.aliases)
        fast = None if _state is None else _state["fast_text"]
        self._words, self._rewrite, self._content_stems = _text_steps(base, self.aliases, fast)
        self._text_stems: dict[str, frozenset[str]] = {}
        self._facts = base.facts
        self._passages = base.passages
        self._sources = base.sources
        self._size = len(base.facts) + len(base.passages) + len(base.unanswered)
        self._keys = [f.id for f in base.facts] + [p.id for p in base.passages]
        self._keys += [u.id for u in base.unanswered]
        self._headings = section_headings(base)
        # An outlet's name points at a file all of whose pieces it published, as a nickname
        # does ("per NextMinuteNews"); unlike a nickname ("russia") it is never what a question
        # asks about. Where a file mixes outlets, or an unnamed one, readers take the whole file
        # for the outlet they see, so its name says nothing about which piece is meant.
        self._outlets: dict[str, frozenset[str]] = {}
        for name, source in base.sources.items():
            outlets = {piece.outlet for piece in source.pieces}
            if len(outlets) == 1 and UNKNOWN_OUTLET not in outlets:
                (outlet,) = outlets
                self._outlets[name] = frozenset(self._content_stems(self._tokens(outlet)))
        # Likewise a person quoted in one piece only, "according to Petrov", points at what
        # that person says there: in a transcript ("Dr. Petrov: ..."), the lines they speak;
        # elsewhere, lines that name them.
        self._voices: dict[tuple[str, int], list[tuple[frozenset[str], tuple[str, ...]]]] = {}
        self._transcripts: set[tuple[str, int]] = set()
        for name, source in base.sources.items():
            for piece in source.pieces:
                if not piece.voices:
                    continue
                voices = [
                    (frozenset(self._content_stems(self._tokens(v))), name_words(v))
                    for v in piece.voices
                ]
                self._voices[name, piece.start] = voices
                text = source.text[piece.start : piece.end]
                labels = [words(m.group(1)) for m in _SPEAKER.finditer(text)]
                if any(names(person, label) for _, person in voices for label in labels):
                    self._transcripts.add((name, piece.start))
        self._names = _name_stems(base, lambda w: self._content_stems(self._tokens(w)))
        if _state is None:
            with _collector_paused():
                _state = self._build(base)
        self._state = _state
        state = self._state
        self._stems: list[str] = state["stems"]
        self._stem_ids = {s: i for i, s in enumerate(self._stems)}
        self._stems_sorted = sorted(self._stems)
        self._idf: list[float] = state["idf"]
        self._flat: array = state["flat"]
        self._offsets: array = state["offsets"]
        self._kinds: bytes = state["kinds"]
        self._order: array = state["order"]  # rank -> position
        self._lightest: array = state["lightest"]  # by rank, ascending
        self._first_phrasing: array = state["first_phrasing"]  # position -> phrasing number
        self._phrase_chars: array = state["phrase_chars"]  # by phrasing number
        self._phrase_weights: array = state["phrase_weights"]  # by phrasing number: its IDF
        self._phrase_text: bytes = bytes(state["phrase_text"])  # a slice is a dict key
        self._phrase_starts: array = state["phrase_starts"]  # by phrasing number
        self._postings = Postings(
            self._size, state["postings"], state["impacts"], state["sources"], state["bitmaps"]
        )
        self._vocabulary = Vocabulary(state["vocabulary"])
        self._families = inflection_families(self._vocabulary.ranked, self._stem_ids)
        self._unknown_weight = UNKNOWN_FACTOR * math.log(1 + max(self._size, 1))
        logger.info(
            "index ready: %d entries, %d stems, %d words",
            self._size,
            len(self._stems),
            len(self._vocabulary),
        )

    def _build(self, base: FactBase) -> dict[str, Any]:
        """Everything `search` needs, as plain data (`knowledge.index_cache` stores it)."""
        counts: Counter[str] = Counter()
        counting: list[str] = []  # words waiting to be counted (counted in batches: faster)
        stem_ids: defaultdict[str, int] = defaultdict(itertools.count().__next__)
        id_of = stem_ids.__getitem__
        frequency: Counter[int] = Counter()
        holding = array("I")  # stem ids of entries waiting to be counted
        # Per entry: its phrasing count, their lengths, their stem ids, then the ids of the
        # stems it holds only outside its phrasings (in its excerpts, or its source's names).
        flat = array("I")
        offsets = array("I", [0])
        kinds = bytearray()
        source_stems: dict[str, list[str]] = {}
        to_words, rewrite, to_stems = self._words, self._rewrite, self._content_stems
        fast = to_words is fast_words
        if fast:
            table = StemTable()
            to_stems, stem_of = table.content_stems, table.__getitem__

        # Per phrasing: its words as the question is compared with them (UTF-8, one after
        # another), and the length of its distinct words joined, which bounds how alike it can
        # read to a question (see `_closeness_ceiling`).
        phrase_text = bytearray()
        phrase_starts = array("I", [0])
        phrase_chars = array("H")

        def analyse(texts: list[str], phrasings: bool) -> list[list[str]]:
            """Each text's content stems (its words are counted; a phrasing's are kept).

            An excerpt's stems may repeat and include "" (a stop word) on the fast path: `add`
            removes both for the whole entry at once, keeping the order of first appearance.
            Per-text steps run as C loops (map, compress) over the batch where they can."""
            joined = fast_words_joined(texts) if fast else None
            if joined is None:
                each = [to_words(text) for text in texts]
                for raw in each:
                    counting.extend(raw)
                each = [rewrite(raw) for raw in each]
            else:
                counting.extend(joined)  # the separators are dropped from the counts later
                rewritten = rewrite(joined)
                if not phrasings:  # the separator's "stem" is itself: split the stems instead
                    return split_joined(list(map(stem_of, rewritten)), len(texts))
                each = split_joined(rewritten, len(texts))
            if not phrasings:
                return (
                    [list(map(stem_of, tokens)) for tokens in each]
                    if fast
                    else [to_stems(tokens) for tokens in each]
                )
            spelled = list(map(str.encode, map(" ".join, each)))
            ends = itertools.accumulate(map(len, spelled), initial=len(phrase_text))
            next(ends)  # where this batch starts: already in phrase_starts
            phrase_starts.extend(ends)
            phrase_text.extend(b"".join(spelled))
            chars = list(map(len, spelled))
            # A phrasing with a repeated word, or a non-ASCII one, counts its distinct words'
            # characters (few do: they are found by C loops, then worked out one by one).
            repeated = map(operator.ne, map(len, map(set, each)), map(len, each))
            foreign = map(operator.not_, map(bytes.isascii, spelled))
            for i in itertools.compress(itertools.count(), map(operator.or_, repeated, foreign)):
                distinct = set(each[i])
                chars[i] = sum(map(len, distinct)) + len(distinct) - 1 if distinct else 0
            phrase_chars.extend(map(min, chars, itertools.repeat(65535)))
            return list(map(to_stems, each))

        def stems_of_source(citation: Citation) -> list[str]:
            text = _source_words(base.sources, citation, self._piece_words)
            found = source_stems.get(text)
            if found is None:
                found = source_stems[text] = to_stems(rewrite(to_words(text)))
            return found

        def add(kind: int, phrasings: list[list[str]], said: list[str]) -> None:
            flat.append(len(phrasings))
            flat.extend(map(len, phrasings))
            ids = list(map(id_of, itertools.chain.from_iterable(phrasings)))
            flat.extend(ids)
            phrased = set(ids)
            distinct = dict.fromkeys(said)  # in order of first appearance
            distinct.pop("", None)  # a stop word's (see `analyse`)
            outside = [i for i in map(id_of, distinct) if i not in phrased]
            flat.extend(outside)
            offsets.append(len(flat))
            kinds.append(kind)
            holding.extend(phrased)
            holding.extend(outside)
            if len(counting) > 200_000:
                counts.update(counting)
                frequency.update(holding)
                counting.clear()
                del holding[:]

        for start in range(0, len(base.facts), _BUILD_CHUNK):
            chunk = base.facts[start : start + _BUILD_CHUNK]
            asked = analyse([t for f in chunk for t in (*f.phrasings, f.topic, *f.aliases)], True)
            said = analyse([c.excerpt for f in chunk for c in f.citations], False)
            asked_at = said_at = 0
            for fact in chunk:
                count = len(fact.phrasings) + 1 + len(fact.aliases)
                stems = [
                    s for excerpt in said[said_at : said_at + len(fact.citations)] for s in excerpt
                ]
                for citation in fact.citations:
                    # Naming the outlet ("what does NextMinuteNews say about...") is no reason
                    # to decline: the source's names count as part of what an entry says.
                    stems += stems_of_source(citation)
                add(_FACT, asked[asked_at : asked_at + count], stems)
                asked_at += count
                said_at += len(fact.citations)
        for start in range(0, len(base.passages), _BUILD_CHUNK):
            chunk = base.passages[start : start + _BUILD_CHUNK]
            excerpts = analyse([p.citation.excerpt for p in chunk], True)
            for passage, excerpt in zip(chunk, excerpts, strict=True):
                citation = passage.citation
                text = base.sources[citation.source].text
                kind = _HEADING if _looks_like_heading(text, citation) else _PASSAGE
                add(kind, [excerpt], stems_of_source(citation))
        for start in range(0, len(base.unanswered), _BUILD_CHUNK):
            chunk = base.unanswered[start : start + _BUILD_CHUNK]
            asked = analyse([p for u in chunk for p in u.phrasings], True)
            for unanswered in chunk:
                add(_UNANSWERED, asked[: len(unanswered.phrasings)], [])
                del asked[: len(unanswered.phrasings)]
        # Bytes, not a bytearray: a slice of bytes is a dict key (see `_closeness_of_text`).
        # Converted now, before the postings take memory, so that the copy is not a peak.
        phrase_text = bytes(phrase_text)  # type: ignore[assignment]
        counts.update(counting)
        counts.pop(SEPARATOR, None)
        counts.update(self.aliases.variant_words)
        counts.update(STOPWORDS - NOT_TYPO_TARGETS)  # filler a typo may have meant ("waht")
        frequency.update(holding)

        size = self._size
        stems = sorted(stem_ids, key=id_of)
        total = max(size, 1)
        idf = [math.log(1 + total / frequency[i]) for i in range(len(stems))]

        # Each phrasing's weight (the IDF of its stems); an entry's lightest phrasing bounds how
        # close it can be to any question, and orders the entries.
        weigh = idf.__getitem__
        masses = array("d")
        lightest = array("d", bytes(8 * size))
        for position in range(size):
            start = offsets[position]
            at = start + 1 + flat[start]
            light = math.inf
            for length in flat[start + 1 : start + 1 + flat[start]]:
                mass = sum(map(weigh, flat[at : at + length]))
                masses.append(mass)
                light = min(light, mass)
                at += length
            lightest[position] = light if light < math.inf else 0.0
        order = sorted(range(size), key=lightest.__getitem__)
        first_phrasing = array("I", bytes(4 * (size + 1)))  # per entry, into per-phrasing arrays
        for position in range(size):
            first_phrasing[position + 1] = first_phrasing[position] + flat[offsets[position]]

        def entries() -> Iterator[tuple[list[tuple[float, array]], array]]:
            for position in order:
                start = offsets[position]
                count = flat[start]
                at = start + 1 + count
                phrasings = []
                first = first_phrasing[position]
                for which, length in enumerate(flat[start + 1 : at]):
                    phrasings.append((masses[first + which], flat[at : at + length]))
                    at += length
                yield phrasings, flat[at : offsets[position + 1]]

        postings = Postings.build(size, len(stems), entries())
        return {
            "stems": stems,
            "idf": idf,
            "flat": flat,
            "offsets": offsets,
            "kinds": bytes(kinds),
            "order": array("I", order),
            "lightest": array("d", sorted(lightest)),
            "first_phrasing": first_phrasing,
            "phrase_chars": phrase_chars,
            "phrase_weights": masses,
            "postings": postings.lists,
            "impacts": postings.impacts,
            "sources": postings.sources,
            "phrase_text": phrase_text,
            "phrase_starts": phrase_starts,
            "bitmaps": postings.bitmaps,
            "vocabulary": Vocabulary.from_counts(counts).ranked,
            "fast_text": to_words is fast_words,
        }

    # -- questions ----------------------------------------------------------------------------

    def relevance(self, query: Query, *texts: str) -> float:
        """The share of the question's weight that `texts` cover together (0-1), e.g. to order
        a fact's citations so the one that speaks to the question comes first."""
        held = self._stems_in(texts)
        covered = sum(
            w
            for rel, w in zip(query.related, query.weights, strict=True)
            if not held.isdisjoint(rel)
        )
        return covered / (sum(query.weights) or 1.0)

    def uncovered(self, query: Query, *texts: str) -> list[tuple[str, float]]:
        """The question's stems that `texts` do not hold, in any inflection, each with its
        share of the question's weight."""
        held = self._stems_in(texts)
        total = sum(query.weights) or 1.0
        return [
            (s, w / total)
            for s, rel, w in zip(query.stems, query.related, query.weights, strict=True)
            if held.isdisjoint(rel)
        ]

    def _stems_in(self, texts: Iterable[str]) -> set[str]:
        stems: set[str] = set()
        for text in texts:
            found = self._text_stems.get(text)
            if found is None:
                found = self._text_stems[text] = frozenset(content_stems(self._tokens(text)))
            stems |= found
        return stems

    def is_name(self, s: str) -> bool:
        """Whether the stem `s` is a name: a word the articles only ever capitalise, or a
        piece's voice (see `_name_stems`)."""
        return s in self._names

    def unknown_words(self, text: str) -> list[str]:
        """The stems of `text`'s content words that nothing in the fact base holds, in any
        inflection."""
        query = self.parse(text)
        return [
            s
            for s, related in zip(query.stems, query.related, strict=True)
            if not any(r in self._stem_ids for r in related)
        ]

    def surroundings(self, citation: Citation) -> str:
        """Words for where `citation` stands: its piece's outlet, other names and own word (see
        `piece_references`), the heading of its section and, for a list item, the line that
        introduces the list."""
        where = _source_words(self._sources, citation, self._piece_words)
        lead_in = list_lead_in(self._sources[citation.source].text, citation.start)
        return f"{where} {self.heading_of(citation)} {lead_in}"

    def names_piece_of(self, query: Query, citation: Citation) -> bool:
        """Whether `query` names the piece `citation` stands in, or its file, by a nickname."""
        piece = self._sources[citation.source].piece_at(citation.start)
        own = [self._piece_words.get((citation.source, at)) for at in (piece.start, -1)]
        return any(w in query.stems for w in own if w)

    def names_outlet_of(self, query: Query, citation: Citation) -> bool:
        """Whether `query` names the one outlet that published all of `citation`'s file."""
        outlet = self._outlets.get(citation.source)
        return bool(outlet and outlet.issubset(query.stems))

    def names_voice_of(self, query: Query, citation: Citation) -> bool:
        """Whether `query` names a person quoted only in the piece `citation` stands in, and
        `citation` is theirs: in a transcript, on a line they speak ("Dr. Petrov: ..."; the
        host's intro and questions are not the guest's account); elsewhere, one naming them."""
        piece = self._sources[citation.source].piece_at(citation.start)
        key = (citation.source, piece.start)
        named = [
            person
            for stems, person in self._voices.get(key, ())
            if stems and stems.issubset(query.stems)
        ]
        if not named:
            return False
        if key in self._transcripts:
            text = self._sources[citation.source].text
            speaker = _SPEAKER.match(text, text.rfind("\n", 0, citation.start) + 1)
            said = words(speaker.group(1)) if speaker else []
        else:
            said = words(citation.excerpt)
        return any(names(person, said) for person in named)

    def heading_of(self, citation: Citation) -> str:
        """The heading of the section `citation` stands in, or "": a question may name the
        section ("the key proposals"), which says which of a fact's citations it means."""
        piece = self._sources[citation.source].piece_at(citation.start)
        return _heading_of(citation, piece.start, self._headings)

    def _tokens(self, text: str) -> list[str]:
        return self._rewrite(self._words(text))

    def _correct(self, token: str) -> str:
        """The known word `token` was probably meant to be, or `token` itself."""
        return self._vocabulary.correct(token)

    def _related(self, s: str) -> tuple[str, ...]:
        """Indexed stems equal to `s` or, for an unseen stem, the same word with an ending
        ("warn" ~ "warnin", "annex" ~ "annexe"), so that inflections the stemmer missed still
        meet; "media" and "mediat" differ by more than an ending and stay apart."""
        if s in self._stem_ids or len(s) < 4:
            return (s,)
        related = [
            s[:n]
            for n in range(4, len(s))
            if s[:n] in self._stem_ids and _is_ending(s[:n], s[n:], cut=len(s) >= STEM_LENGTH)
        ]
        at = bisect.bisect_left(self._stems_sorted, s)
        while at < len(self._stems_sorted) and self._stems_sorted[at].startswith(s):
            known = self._stems_sorted[at]
            if _is_ending(s, known[len(s) :], cut=len(known) >= STEM_LENGTH):
                related.append(known)
            at += 1
        return tuple(related) or (s,)

    def _idf_of(self, s: str) -> float | None:
        stem_id = self._stem_ids.get(s)
        return None if stem_id is None else self._idf[stem_id]

    def parse(self, question: str) -> Query:
        """Normalise a question into weighted content stems: emoji codes dropped, typos
        corrected, split phrasal verbs rejoined, aliases applied."""
        raw = words(strip_emoji_codes(question[:MAX_QUESTION_CHARS]))
        corrected_tokens = [self._correct(t) for t in raw]
        corrections = tuple((a, b) for a, b in zip(raw, corrected_tokens, strict=True) if a != b)
        rewritten = self.aliases.apply(self.aliases.rejoin(corrected_tokens))
        rewritten = self._references.apply(rewritten)
        # One or two letters the fact base never uses ("hw", "r") are noise, not a topic.
        tokens = [t for t in rewritten if len(t) > 2 or t in self._vocabulary]
        generic: dict[str, bool] = {}
        # Other inflections of the word typed ("doubting" meets "doubts" and "doubted"), which
        # the six-letter stems keep apart.
        inflected: dict[str, list[str]] = {}
        for token in tokens:
            if token not in STOPWORDS:
                s = stem(token)
                generic[s] = generic.get(s, True) and is_generic(token)
                family = self._families.get(inflection_root(token, self._vocabulary), ())
                inflected.setdefault(s, []).extend(family)
        stems = tuple(generic)
        related = tuple(
            tuple(dict.fromkeys((*self._related(s), *inflected.get(s, ())))) for s in stems
        )
        weights = tuple(
            min(
                (w for w in map(self._idf_of, rel) if w is not None),
                default=self._unknown_weight,
            )
            * (GENERIC_FACTOR if generic[s] or s in self._subject else 1.0)
            for s, rel in zip(stems, related, strict=True)
        )
        everyday = bool(generic) and all(generic.values())
        return Query(" ".join(tokens), stems, weights, related, corrections, everyday)

    def search(self, question: str, limit: int = 5) -> tuple[Query, list[Hit]]:
        """The best `limit` entries for `question`, best first (ties broken by key)."""
        query = self.parse(question)
        if not query.stems:
            return query, []
        if limit <= 0:
            return query, self._score_candidates(query)[:limit]
        return query, self._top(query, limit)

    def exhaustive_search(self, question: str, limit: int = 5) -> tuple[Query, list[Hit]]:
        """`search` by scoring every entry that shares a stem with the question (any other
        entry scores 0 and is never a hit): the reference the fast path must equal."""
        query = self.parse(question)
        if not query.stems:
            return query, []
        return query, self._score_candidates(query)[:limit]

    # -- finding the best entries -------------------------------------------------------------

    def _terms(self, query: Query) -> list[Term]:
        terms = []
        for rel, weight in zip(query.related, query.weights, strict=True):
            ids = tuple(self._stem_ids[r] for r in rel if r in self._stem_ids)
            terms.append(Term(ids, weight, sum(self._idf[i] for i in ids)))
        return terms

    def _score_candidates(self, query: Query) -> list[Hit]:
        ranks: set[int] = set()
        for term in self._terms(query):
            for stem_id in term.ids:
                ranks.update(self._postings.lists[ANYWHERE][stem_id])
        search = _Search(self, query, 1)
        hits = [self._score(self._order[r], search, exhaustive=True) for r in ranks]
        assert all(hits)  # exhaustive: every entry is scored in full
        hits = [h for h in hits if h.coverage >= MIN_HIT_COVERAGE]  # type: ignore[union-attr]
        hits.sort(key=lambda h: (-h.score, h.key))  # type: ignore[union-attr]
        return hits  # type: ignore[return-value]

    def _groups(
        self, terms: list[Term], total: float, lookup: Lookup
    ) -> tuple[Iterator[_Group], list[Term]]:
        """The groups of entries to visit, highest ceiling first, and the light terms.

        The entries holding a rare heavy term are few: they are sorted by exactly which heavy
        terms they hold, and where (`Lookup.states`), and each such set is a group listing just
        them, so only the groups some entry describes exist and none is intersected. The other
        groups have no rare term among their lists and intersect posting lists as before; they
        still contain entries that hold a rare term, but each of those was met first in its own
        group (whose ceiling is higher) and is skipped: scored there, or ruled out there, which
        it would be here too."""
        known = sorted((t for t in terms if t.ids), key=lambda t: -t.weight)
        heavy, light = known[:MAX_GROUP_TERMS], known[MAX_GROUP_TERMS:]
        light_weight = sum(t.weight for t in light)
        light_mass = sum(t.mass for t in light)
        rare = [t for t in heavy if lookup.size(t, ANYWHERE) <= RARE_POSTINGS]
        # For each heavy term: absent (0), held only outside the phrasings (1), or held in a
        # phrasing (2). Light terms are assumed held in a phrasing by every entry.
        choices = [(0,) if t in rare else (0, 1, 2) for t in heavy]
        members: dict[tuple[int, ...], list[int] | None] = dict.fromkeys(
            itertools.product(*choices)
        )
        if rare:
            members.update(lookup.states(heavy, rare))
        # Each group's ceiling first; the group itself is made only if the search gets to it.
        ranked = []
        for states, ranks in members.items():
            if not light and not any(states):
                continue
            covered, mass, phrased = light_weight, light_mass, light_weight
            for term, state in zip(heavy, states, strict=True):
                if state == 2:
                    covered += term.weight
                    mass += term.mass
                    phrased += term.weight
                elif state == 1:
                    covered += term.weight * ANSWER_SIDE_WEIGHT
            unmatched = max(total - phrased, 0.0)
            ceiling = _ceiling(covered / total, mass, unmatched, 0.0)
            ranked.append((ceiling, sum(states), covered, mass, unmatched, states, ranks))
        # Adding a term, or moving one into a phrasing, never lowers a ceiling: sorted by
        # ceiling, then by terms held (a term in a phrasing counting twice), an entry is met
        # first in the group that describes it exactly.
        ranked.sort(key=lambda item: (-item[0], -item[1]))
        made = (
            _Group(
                ceiling,
                [
                    (t, PHRASED if state == 2 else ANYWHERE)
                    for t, state in zip(heavy, states, strict=True)
                    if state
                ],
                covered,
                mass,
                unmatched,
                [t for t, state in zip(heavy, states, strict=True) if state == 2],
                light_weight,
                ranks,
            )
            for ceiling, _held, covered, mass, unmatched, states, ranks in ranked
        )
        return made, light

    def _top(self, query: Query, limit: int) -> list[Hit]:
        search = _Search(self, query, limit)
        total, best = search.total, search.best
        lookup = Lookup(self._postings, self._lightest)
        groups, light = self._groups(search.terms, total, lookup)
        seen: set[int] = set()
        scored = 0
        order, kinds, keys = self._order, self._kinds, self._keys
        first_phrasing, phrase_text = self._first_phrasing, self._phrase_text
        phrase_starts, lightest = self._phrase_starts, self._lightest
        light_ids = {i for term in light for i in term.ids}
        for group in groups:
            if best.beats(group.ceiling):
                break  # every later group's ceiling is lower still
            coverage, mass, unmatched = group.covered / total, group.mass, group.unmatched
            if coverage < MIN_HIT_COVERAGE - 1e-4:  # (a hit's coverage is rounded to 4 places)
                continue  # no entry of the group covers enough to be a hit
            missing = self._missing_chars(search, group, light_ids)
            closeness_terms: dict[int, float] = {}  # for `_ruled_out`, by phrasing length
            exact_of: dict[bytes, tuple[float, float]] = {}  # by phrasing text: its weight, ceiling
            # This loop runs for every entry looked at (thousands, for a question that many
            # entries match about equally badly), so the group's ceiling at an entry's weight
            # (`_ceiling`) and `best.beats` are worked out inline, the best hits' floor kept in
            # locals that change only when a hit is added.
            fixed, phrase = (W_COVERAGE + W_CLOSENESS) * coverage, W_PHRASE * mass
            floor, tie_floor, worst_key = best.floor, best.tie_floor, best.worst_key
            if group.members is None:
                entries = lookup.group(group.lists, light)
            else:
                entries = ((rank, lightest[rank], UNSURE) for rank in group.members)
            for rank, weight, phrasing in entries:
                if mass > 0:
                    ceiling = 100 * (
                        fixed + phrase / ((weight if weight > mass else mass) + unmatched)
                    )
                else:
                    ceiling = 100 * W_COVERAGE * coverage
                if ceiling < floor:
                    break  # the rest of the group has heavier phrasings
                if rank in seen:
                    continue
                seen.add(rank)
                if len(seen) > MAX_LOOKED:
                    logger.info("search stopped after %d entries looked at", len(seen))
                    return best.hits()
                position = order[rank]
                factor, key = _KIND_FACTOR[kinds[position]], keys[position]
                ceiling *= factor
                if ceiling < floor or (ceiling < tie_floor and key > worst_key):
                    continue
                if phrasing != UNSURE:
                    # The group's one phrased term is in this phrasing and no lighter one: it
                    # is the entry's best phrasing, so its closeness is the entry's. Entries
                    # that share the phrasing word for word (and so its weight) share this
                    # ceiling: it is remembered per text for the group.
                    number = first_phrasing[position] + phrasing
                    text = phrase_text[phrase_starts[number] : phrase_starts[number + 1]]
                    known = exact_of.get(text)
                    if known is not None and known[0] == weight:
                        exact = known[1] * factor
                    else:
                        closeness = self._closeness_of_text(search, text)
                        exact = _ceiling(coverage, mass, unmatched, weight, closeness)
                        exact_of[text] = (weight, exact)
                        exact *= factor
                    if exact < floor or (exact < tie_floor and key > worst_key):
                        continue
                elif missing and self._ruled_out(
                    search, position, group, missing, factor, key, closeness_terms
                ):
                    continue
                hit = self._score(position, search)
                scored += 1
                if hit is not None and hit.coverage >= MIN_HIT_COVERAGE:
                    best.add(hit)
                    floor, tie_floor, worst_key = best.floor, best.tie_floor, best.worst_key
                if scored >= MAX_SCORED:
                    logger.info("search stopped after %d scored entries", scored)
                    return best.hits()
        return best.hits()

    @staticmethod
    def _missing_chars(search: _Search, group: _Group, light_ids: set[int]) -> int:
        """The joined length of the question's words that no phrasing of an entry met first in
        `group` holds (0: none known), to bound how alike a phrasing can read to the question.

        An entry is met first in the group that describes it exactly: the groups that describe
        it more loosely have lower ceilings and come later, and once met it is skipped. (If it
        is met first in a looser group, its exact group was left before reaching it: it is
        already ruled out, and any ceiling will do.) So a heavy term the group does not hold in
        a phrasing is in none of the entry's phrasings, and neither are the words of its stems;
        light terms may be anywhere."""
        phrased = set(light_ids)
        for term, side in group.lists:
            if side == PHRASED:
                phrased.update(term.ids)
        lengths = [length for length, stem_id in search.content if stem_id not in phrased]
        return sum(lengths) + len(lengths) - 1 if lengths else 0

    def _ruled_out(
        self,
        search: _Search,
        position: int,
        group: _Group,
        missing: int,
        factor: float,
        key: str,
        closeness_terms: dict[int, float],
    ) -> bool:
        """Whether an entry met first in `group` cannot enter the best hits, phrasing by
        phrasing: cheaper than scoring it (no sets, no sums over its stems).

        The group's ceiling takes the entry's lightest phrasing as close to the question as can
        be. Here each phrasing is bounded by its own weight (which bounds its Jaccard as the
        lightest does) and by its length and the question words it cannot hold (`missing`, see
        `_missing_chars`), which bound its closeness. A phrasing that still reaches the best
        hits is looked at closer: how alike it actually reads (remembered per text: entries
        share phrasings word for word), then which of the group's terms it holds (a term it
        lacks leaves that much of the question unmatched). The entry's score is that of its
        best phrasing, so it is ruled out if every phrasing is; most entries that tie on the
        terms they hold are, when the question has words they lack.

        `closeness_terms` is the group's memo of the closeness part of a ceiling by phrasing
        length (empty at first).
        """
        best, flat = search.best, self._flat
        weights, chars = self._phrase_weights, self._phrase_chars
        question, mass, unmatched = search.chars, group.mass, group.unmatched
        coverage = group.covered / search.total
        first = self._first_phrasing[position]
        start = self._offsets[position]
        at = start + 1 + flat[start]  # where the entry's first phrasing's stems start
        # The first test rules out most phrasings: it is `_ceiling` and `best.beats` written
        # out (the same arithmetic, so the same bound), its closeness term remembered per
        # phrasing length for the group (`closeness_terms`), since it runs per phrasing.
        floor = best.floor
        tie_floor = best.tie_floor if key > best.worst_key else floor
        coverage_term = W_COVERAGE * coverage
        for number, length in enumerate(flat[start + 1 : at], start=first):
            at += length
            weight = weights[number]
            if mass > 0:
                closeness_term = closeness_terms.get(chars[number])
                if closeness_term is None:
                    closeness = _closeness_ceiling(question, chars[number], missing)
                    closeness_term = closeness_terms[chars[number]] = (
                        W_CLOSENESS * closeness * coverage
                    )
                jaccard = mass / ((weight if weight > mass else mass) + unmatched)
                ceiling = 100 * (coverage_term + W_PHRASE * jaccard + closeness_term) * factor
            else:
                ceiling = _ceiling(coverage, mass, unmatched, weight) * factor
            if ceiling < floor or ceiling < tie_floor:
                continue
            closeness = self._closeness_at(search, number)
            if best.beats(_ceiling(coverage, mass, unmatched, weight, closeness) * factor, key):
                continue
            if not group.phrased or group.light_weight:
                return False  # no term the phrasing could lack, or light terms it may hold
            stems = flat[at - length : at]
            held_mass = held_weight = 0.0
            for term in group.phrased:
                if any(stem_id in stems for stem_id in term.ids):
                    held_mass += term.mass
                    held_weight += term.weight
            left = max(search.total - held_weight, 0.0)
            if not best.beats(_ceiling(coverage, held_mass, left, weight, closeness) * factor, key):
                return False
        return True

    # -- scoring ------------------------------------------------------------------------------

    def _entry(self, position: int) -> tuple[list[frozenset[int]], frozenset[int]]:
        """The entry's phrasings (stem ids) and the stems it holds only outside them."""
        flat = self._flat
        start, end = self._offsets[position], self._offsets[position + 1]
        at = start + 1 + flat[start]
        phrasings = []
        for length in flat[start + 1 : start + 1 + flat[start]]:
            phrasings.append(frozenset(flat[at : at + length]))
            at += length
        return phrasings, frozenset(flat[at:end])

    def _phrase_words(self, position: int, which: int) -> str:
        """An entry's phrasing as the question is compared with it: its words, aliases applied,
        joined by spaces."""
        number = self._first_phrasing[position] + which
        start, end = self._phrase_starts[number], self._phrase_starts[number + 1]
        return self._phrase_text[start:end].decode()

    def _closeness(self, search: _Search, position: int, which: int) -> float:
        """How alike the question and an entry's phrasing read (0-1)."""
        return self._closeness_at(search, self._first_phrasing[position] + which)

    def _closeness_at(self, search: _Search, number: int) -> float:
        """How alike the question and phrasing `number` read (0-1)."""
        start, end = self._phrase_starts[number], self._phrase_starts[number + 1]
        return self._closeness_of_text(search, self._phrase_text[start:end])

    @staticmethod
    def _closeness_of_text(search: _Search, text: bytes) -> float:
        """How alike the question and a phrasing's words (UTF-8) read (0-1): rapidfuzz's
        token_set_ratio. Remembered per text for the search: many entries share one word for
        word (and so the text is decoded only once)."""
        closeness = search.closeness_of.get(text)
        if closeness is None:
            words = text.decode()
            closeness = fuzz.token_set_ratio(search.query.text, words) / 100 if words else 0.0
            search.closeness_of[text] = closeness
        return closeness

    def _score(self, position: int, search: _Search, exhaustive: bool = False) -> Hit | None:
        """The entry's hit; None if, before the string comparison (the costly part), its
        ceiling shows it cannot be among the best so far (never when `exhaustive`)."""
        total = search.total
        flat, offsets = self._flat, self._offsets
        start = offsets[position]
        lengths = flat[start + 1 : start + 1 + flat[start]]
        at = start + 1 + len(lengths)
        outside_at = at + sum(lengths)
        phrased = frozenset(flat[at:outside_at])
        outside = frozenset(flat[outside_at : offsets[position + 1]])
        kind = self._kinds[position]
        # A fact (or a known unanswered question) is asked for in its phrasings and says its
        # excerpts; a passage says its one sentence, which is also its phrasing.
        ask, answer = (phrased, outside) if kind in _ASKED else (_NOTHING, phrased | outside)
        covered = 0.0
        matched: set[int] = set()  # the entry's stems the question reached
        for ids, weight in search.known:  # terms the index knows, in question order
            if len(ids) == 1:
                if ids[0] in ask:
                    covered += weight
                    matched.add(ids[0])
                elif ids[0] in answer:
                    covered += weight * ANSWER_SIDE_WEIGHT
                    matched.add(ids[0])
                continue
            in_ask = [r for r in ids if r in ask]
            if in_ask:
                covered += weight
                matched.update(in_ask)
                continue
            in_answer = [r for r in ids if r in answer]
            if in_answer:
                covered += weight * ANSWER_SIDE_WEIGHT
                matched.update(in_answer)
        coverage = covered / total
        best_phrase = 0.0
        best_which = -1
        best_stems = _NOTHING
        if not matched.isdisjoint(phrased):
            weigh = self._idf.__getitem__
            for which, length in enumerate(lengths):
                stems = flat[at : at + length]
                at += length
                if matched.isdisjoint(stems):
                    continue  # a Jaccard of 0 is never the best
                phrasing = frozenset(stems)
                # fsum: the same stems give the same sum in any order, so that equal phrasings
                # tie exactly and the first one wins, whatever order a set yields them in.
                shared = math.fsum(map(weigh, phrasing & matched))
                extra = math.fsum(map(weigh, phrasing - matched))
                unmatched_query = total - sum(
                    [weight for ids, weight in search.known if not phrasing.isdisjoint(ids)]
                )
                union = shared + extra + unmatched_query
                jaccard = shared / union if union else 0.0
                if jaccard > best_phrase:
                    best_phrase, best_which, best_stems = jaccard, which, phrasing
        factor = _KIND_FACTOR[kind]
        key = self._keys[position]
        closeness = 0.0
        if best_which >= 0:
            if not exhaustive:
                missing = [n for n, stem_id in search.content if stem_id not in best_stems]
                chars = self._phrase_chars[self._first_phrasing[position] + best_which]
                most = _closeness_ceiling(
                    search.chars, chars, sum(missing) + len(missing) - 1 if missing else 0
                )
                ceiling = 100 * (
                    W_COVERAGE * coverage + W_PHRASE * best_phrase + W_CLOSENESS * most * coverage
                )
                if search.best.beats(ceiling * factor, key):
                    return None
            closeness = self._closeness(search, position, best_which)
        score = 100 * (
            W_COVERAGE * coverage + W_PHRASE * best_phrase + W_CLOSENESS * closeness * coverage
        )
        if kind not in _ASKED:
            score *= factor
        return Hit(key, _KIND_NAME[kind], round(score, 3), round(coverage, 4))


# Inflections and common suffixes; a stem is cut short, so the start of one counts.
_ENDINGS = ("s", "es", "ed", "ing", "er", "ers", "ly", "ation", "ion", "ment", "al")


def _is_ending(base: str, rest: str, cut: bool) -> bool:
    """Whether `rest` is an ending that may follow `base`, its last letter doubled or not
    ("plan" + "ned"), or "d", "r" or "s" after an "e" ("argue" + "d"). When the longer stem was
    `cut` short by the stemmer, the start of an ending will do ("warn" + "in")."""
    if rest[:1] == base[-1:] and len(rest) > 1:
        rest = rest[1:]
    if base.endswith("e") and rest in ("d", "r", "s"):
        return True
    return any(ending.startswith(rest) if cut else ending == rest for ending in _ENDINGS)


# Inflections, longest first, that an everyday English word takes without changing its meaning.
_INFLECTIONS = ("ing", "ed", "es", "s", "d")


def inflection_root(word: str, known: Container[str]) -> str:
    """The `known` word that `word` inflects ("doubting", "doubts" -> "doubt"; "planned" ->
    "plan"; "argued" -> "argue"), or `word` itself: only a whole known word with a whole
    ending counts, so "navalinsky" is not "naval" and "career" is not "care"."""
    for ending in _INFLECTIONS:
        base = word[: -len(ending)]
        if word.endswith(ending) and len(base) >= 4:
            for candidate in (base, base + "e", base[:-1] if base[-1] == base[-2] else ""):
                if candidate in known:
                    return candidate
    return word


def inflection_families(
    words: Iterable[str], stem_ids: Container[str]
) -> dict[str, tuple[str, ...]]:
    """For each known word found inflected among `words`, the indexed stems of its forms
    ("doubt" -> "doubt", "doubte", "doubti", "doubts")."""
    words = list(words)
    known = set(words)
    forms: dict[str, set[str]] = {}
    for word in words:
        forms.setdefault(inflection_root(word, known), set()).add(stem(word))
    return {
        root: tuple(sorted(s for s in stems if s in stem_ids))
        for root, stems in forms.items()
        if len(stems) > 1 and root not in STOPWORDS  # "willing" is no form of "will"
    }


def _ceiling(
    coverage: float, mass: float, unmatched: float, lightest: float, closeness: float = 1.0
) -> float:
    """The highest score of an entry that covers at most `coverage` of the question, whose
    phrasings share at most `mass` of IDF with it while at least `unmatched` of the question's
    weight is in none of them, and whose phrasings weigh at least `lightest`; its best phrasing
    reads `closeness` alike to the question, if known.

    The phrase Jaccard is at most mass / (max(lightest, mass) + unmatched); closeness adds at
    most what coverage earns, and nothing when no phrasing shares a stem (none is "best").
    """
    if mass <= 0:
        return 100 * W_COVERAGE * coverage
    jaccard = mass / ((lightest if lightest > mass else mass) + unmatched)
    return 100 * (W_COVERAGE * coverage + W_PHRASE * jaccard + W_CLOSENESS * closeness * coverage)


def _closeness_ceiling(question: int, phrasing: int, missing: int) -> float:
    """The most rapidfuzz's token_set_ratio (as 0-1) can give for two texts whose distinct words
    joined are `question` and `phrasing` characters long, when words of the question joining to
    at least `missing` characters are not in the phrasing.

    token_set_ratio is the best of three comparisons: the shared words against the shared plus
    either side's own (a length ratio), and one side's own words against the other's (at most
    the ratio of the two sides' lengths). It is 100 when one side has no words of its own.
    """
    if not missing:
        return 1.0  # every question word may be in the phrasing
    shared = question - 1 - missing  # the most the shared words can join to
    by_length = 2 * min(question, phrasing) / (question + phrasing)
    if shared <= 0:
        return by_length  # nothing can be shared
    if phrasing <= shared:
        return 1.0  # every phrasing word may be in the question
    return max(2 * shared / (shared + question), 2 * shared / (shared + phrasing), by_length)
