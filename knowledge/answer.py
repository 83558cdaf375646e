"""Answer assembly: from search hits to cited excerpts or an honest decline (domain layer).

"No answer" is a value (`Answer.answered is False`, with suggestions), never an exception.
Every excerpt in an answer is a verbatim slice of its source file.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Set as AbstractSet
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from knowledge.asking import (
    Wants,
    asked_for,
    asks_openly,
    can_answer,
    capitalised,
    compares,
    kind_only,
    last_question,
    question_before_follow_up,
    question_before_remark,
    wants,
    without_asides,
)
from knowledge.index import Hit, Index, Query
from knowledge.models import Citation, Fact, FactBase, Unanswered
from knowledge.sides import Side, asked_side

logger = logging.getLogger(__name__)

# Calibrated on tests/data/questions.toml (see `python -m bot evaluate`): below these a question
# is declined rather than answered with a quote that would probably be beside the point.
ANSWER_THRESHOLD = 62.0
MIN_COVERAGE = 0.8
# How close a known unanswered question must come to the best match from the articles to be
# taken as what was asked.
GAP_TIE = 2.0
# Supporting citations from other facts must score at least this close to the best one.
SUPPORT_MARGIN = 12.0
MAX_SUPPORTING = 2
# How much more of the question a later citation of a fact must cover to be quoted first.
REORDER_MARGIN = 0.3
# A "why" question is answered by a fact curated as the reason (one asked for with "why ...")
# over a better-scoring fact that states the claim, if the question's words are in its "why"
# phrasings: at least REASON_RELEVANCE of their weight within REASON_MARGIN points of the best
# score, or nearly all of it (CLOSE_REASON_RELEVANCE) within twice that.
REASON_MARGIN = 15.0
REASON_RELEVANCE = 0.4
CLOSE_REASON_RELEVANCE = 0.9
MAX_SUGGESTIONS = 3
# A question of everyday words only is answered if it matches this well (see `Answerer._answer`).
EVERYDAY_MATCH = 90.0
# A question asking for a quote ("the exact Lavrov quote from the TASS interview") is answered
# with the best fact whose lead excerpt quotes someone, over a better match that only reports
# (the line saying Lavrov spoke to TASS), if it is at most QUOTE_MARGIN points behind. Only the
# question's own words ask for a quote: "pull the plan terms" does not.
QUOTE_MARGIN = 30.0
_ASKS_FOR_QUOTE = re.compile(r"\b(?:quotes?|verbatim|word for word|exact words)\b", re.I)
# Speech in quotation marks: three words or more, so a scare-quoted term (“unrealistic,”,
# “security interests”) is no quote.
_QUOTING = re.compile(r'[“"][^“”"\s]+\s[^“”"]*\s[^“”"]*[”"]')
# A question comparing the articles may be covered by this many of the best facts together, if
# the best of them scores at least this much on its own (see `Answerer._covered_together`).
COMPARED_FACTS = 3
COMPARISON_FLOOR = 50.0
# A citation from the outlet a question names leads if its excerpt covers at least this share of
# what the first citation's covers (see `Answerer._citations`).
OUTLET_RELEVANCE = 0.5
# A question comparing the articles is answered by the best fact citing more than one of them if it
# is at most this many points behind the best match (see `Answerer._both_first`).
BOTH_MARGIN = 5.0
# A question that wants a time, a day, a number or a size is declined when the facts that can
# give one match it this much worse than the best match, which cannot.
WANTS_MARGIN = 10.0
# A question the best fact matches fairly but not fully ("in the interviewee's reading, what
# purpose did the 2014 seizure of the Black Sea peninsula serve?": no fact says "reading" or
# "serve") is answered with it if it scores and covers this much and what it lacks is minor:
# no word weighing PARTIAL_MISSING of the question, no name, nothing the question asks for (see
# `Answerer._partly_answers`; a word counts as held if the fact's phrasings, topic, aliases,
# excerpts, or the outlet and heading where they stand hold it). Near misses lack just those:
# "which *countries* would send peacekeepers?", "what did Putin say about *the economy*?". Only
# for questions that ask openly (`knowledge.asking.asks_openly`): a yes-or-no question's missing
# detail is the question ("is the demilitarised zone going to be *mined*?").
PARTIAL_SCORE = 55.0
PARTIAL_COVERAGE = 0.65
PARTIAL_MISSING = 0.3
PASSING_NAME = 0.1
# And what the fact says (its excerpts, topic and aliases), not only the ways it is asked (its
# phrasings), must hold some of the question: a phrasing's one slang word ("did Macron *bash*
# the proposal?") is no ground to quote Macron for "write me a bash one-liner to count lines in
# a file". (Excerpts alone were too strict: aliases rewrite "British Foreign Secretary" into
# Cameron's name, and a paraphrase may match only a fact's aliases.)
PARTIAL_GROUNDED = 0.05


@dataclass(frozen=True, slots=True)
class CitedExcerpt:
    """One excerpt in a reply, with where it comes from."""

    source: str
    title: str
    outlet: str
    kind: str
    excerpt: str
    start: int
    end: int
    fact_id: str | None
    topic: str | None


@dataclass(frozen=True, slots=True)
class Answer:
    """The reply to one question: cited excerpts (best first) or a decline with suggestions."""

    question: str
    answered: bool
    citations: tuple[CitedExcerpt, ...] = ()
    suggestions: tuple[str, ...] = ()
    score: float = 0.0
    match: str | None = None
    corrections: tuple[tuple[str, str], ...] = field(default=())
    # On a decline matched to a question the articles are known not to answer: why they don't.
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the `ask --json` format)."""
        data = asdict(self)
        data["corrections"] = [list(pair) for pair in self.corrections]
        return data


class Answerer:
    """Answers questions from one immutable fact base; safe to share between threads."""

    def __init__(self, base: FactBase, index: Index | None = None) -> None:
        self.base = base
        self.index = index or Index(base)
        self._facts: dict[str, Fact] = {f.id: f for f in base.facts}
        self._passages: dict[str, Citation] = {p.id: p.citation for p in base.passages}
        self._unanswered: dict[str, Unanswered] = {u.id: u for u in base.unanswered}
        # How many articles each fact quotes: the facts most quote are the story's core.
        self._spread = {f.id: len({c.source for c in f.citations}) for f in base.facts}
        self._central = sorted(base.facts, key=lambda f: -self._spread[f.id])
        self._reasons: dict[str, str] = {}  # fact id -> its "why ..." phrasings, joined
        for fact in base.facts:
            asked_why = [p for p in fact.phrasings if wants(p) is Wants.REASON]
            if asked_why:
                self._reasons[fact.id] = " ".join(asked_why)

    def answer(self, question: str) -> Answer:
        """Answer `question` with verbatim excerpts, or decline with up to three suggestions."""
        answer, part_alone = self._answer(question), False
        # (Not when it matched a question the articles are known not to answer: that stands.)
        if not answer.answered and answer.note is None:
            # Words around a question can sink it: a preamble before the question it ends with
            # ("Sorry if this is basic, but: who rejected the plan?") or a remark after the
            # question it opens with ("who said it? need the attribution for the caption").
            parts = [p for p in (last_question(question), question_before_remark(question)) if p]
            # Or an aside labels it ("pulse check: nato 20 years", "... (for the Q3 review)"),
            # one the articles do not answer on its own: "the economy: what did Putin say?" is
            # about the economy.
            parts += [
                reading
                for reading, asides in without_asides(question)
                if not any(self._answer(aside).answered for aside in asides)
            ]
            # Or follow-up questions ("... unrealistic? was it Putin?"), unless they bring in
            # something the articles never mention ("did they discuss prisoner swaps?").
            follow_up = question_before_follow_up(question)
            if follow_up and not self.index.unknown_words(follow_up[1]):
                parts.append(follow_up[0])
            # The whole message still says what is asked ("... drafted it? names pls").
            asked = set(self.index.parse(question).text.split()) if parts else set()
            for part in parts:
                retried = self._answer(part, asked, retry=True)
                if retried.answered or retried.note is not None:
                    answer, part_alone = replace(retried, question=question), True
                    break
        partly = False
        if (
            not answer.answered
            and answer.note is None
            and answer.score >= PARTIAL_SCORE
            and asks_openly(question)
        ):
            # Last, the whole message, taking a fair match whose gaps are minor.
            partial = self._answer(question, partial=True)
            if partial.answered:
                answer, part_alone, partly = partial, False, True
        if answer.answered:
            logger.info(
                "answered: match=%s score=%.1f citations=%d one question alone=%s partly=%s",
                answer.match,
                answer.score,
                len(answer.citations),
                part_alone,
                partly,
            )
        else:
            logger.info("declined: score=%.1f known gap=%s", answer.score, answer.match)
        return answer

    def _answer(
        self,
        question: str,
        also_asked: AbstractSet[str] = frozenset(),
        retry: bool = False,
        partial: bool = False,
    ) -> Answer:
        """The answer to `question`; `also_asked` are more words that count as asked (those of
        the whole message when `question` is part of it, as for a `retry`); `partial` answers
        a fair match that lacks only minor words (see `_partly_answers`)."""
        query, hits = self.index.search(question, limit=8)
        if kind_only(query.stems) or (
            query.everyday and (not hits or hits[0].score < EVERYDAY_MATCH)
        ):
            # "what time is standup tomorrow": with the chatter gone, only the kind of answer
            # wanted is left, and no topic to look it up for. Likewise "is standup moved to
            # 10:30?", whose words are all everyday ones, unless they are nearly what a fact is
            # asked with ("what's at stake?").
            hits = []
        # The question as read (typos corrected, aliases applied) must use a required word.
        asked = set(query.text.split()) | also_asked
        hits = [h for h in hits if h.kind != "unanswered" or self._applies(h.key, asked)]
        kind = wants(question)
        beside_the_point = False
        if kind not in (Wants.ANYTHING, Wants.REASON):
            best_match = next((h.score for h in hits if h.kind != "unanswered"), 0.0)
            hits = [
                h for h in hits if h.kind == "unanswered" or can_answer(kind, self._excerpts(h))
            ]
            # The fact the question is clearly about cannot give the time or number it asks
            # for ("When did Lavrov give the TASS interview?"): the articles don't say, and a
            # weaker match that happens to hold one would be beside the point.
            can = next((h.score for h in hits if h.kind != "unanswered"), None)
            beside_the_point = can is not None and best_match - can > WANTS_MARGIN
        # (A comparison asks about each side's stance, whichever it names first.)
        side = None if compares(question) else asked_side(query.text)
        if side is not None:
            hits = self._for_side(hits, side)
        best = hits[0] if hits else None
        # A question curated as one the articles do not answer that matches best is declined
        # with its note, rather than answered with the fact that shares its words.
        gap = self._unanswered.get(best.key) if best and best.kind == "unanswered" else None
        declined = (
            best is None
            or beside_the_point
            or best.score < ANSWER_THRESHOLD
            or best.coverage < MIN_COVERAGE
            or gap is not None
        )
        if gap is None and (declined or retry):
            # A known unanswered question that matches well, and about as well as the best
            # match from the articles, is the likelier reading: the reason for a decline, and,
            # for part of a message whose other words make it apply ("... drafted it? names
            # pls"), a decline.
            near = next((h for h in hits if h.kind == "unanswered"), None)
            fact = next((h for h in hits if h.kind != "unanswered"), None)
            if (
                near is not None
                and near.score >= ANSWER_THRESHOLD
                and near.coverage >= MIN_COVERAGE
                and (fact is None or near.score >= fact.score - GAP_TIE)
            ):
                gap, declined = self._unanswered[near.key], True
        compared = False
        if declined and gap is None and not beside_the_point and best and compares(question):
            # A comparison ("how do the two pieces differ on NATO?") spans the facts for each
            # account: it is answered when a few of the best, the first a fair match on its
            # own, cover it together as one fact would have to.
            compared = self._covered_together(query, hits, best)
            declined = not compared
        partly = False
        if declined and partial and gap is None and not beside_the_point and best is not None:
            partly = self._partly_answers(question, query, best, kind)
            declined = not partly
        if declined:
            return Answer(
                question=question,
                answered=False,
                suggestions=self._suggestions(hits),
                score=best.score if best else 0.0,
                match=gap.id if gap else None,
                corrections=query.corrected,
                note=gap.note if gap else None,
            )
        # Whether to answer is judged on the best match; which fact leads may still change,
        # unless only the best match was judged to answer.
        if partly:
            pass
        elif kind is Wants.REASON:
            hits = self._reasons_first(hits, query)
        elif _ASKS_FOR_QUOTE.search(question):
            hits = self._quotes_first(hits, query)
        elif compares(question) and not compared:
            # "How do the two pieces describe ...?" wants each account: a fact that quotes
            # both leads over one that quotes a single piece and matches only a little better.
            hits = self._both_first(hits)
        lead = hits[0]
        citations = self._citations(lead, query, kind, side)
        if compared:
            # The facts that cover the comparison together quote the accounts the lead fact
            # does not: an article it has no citation from.
            quoted = {c.source for c in citations}
            others = []
            for hit in _compared(hits)[1:]:
                first = self._citations(hit, query, kind, side)[0]
                if first.source not in quoted:
                    others.append(first)
                    quoted.add(first.source)
            citations = [citations[0], *others, *citations[1:]]
        else:
            for hit in hits[1:]:
                if len(citations) > MAX_SUPPORTING or hit.score < best.score - SUPPORT_MARGIN:
                    break
                if hit.score < ANSWER_THRESHOLD:
                    break
                if hit.kind == "unanswered":
                    continue
                citations.extend(self._citations(hit, query, kind, side))
        unique = _dedupe(citations)[: 1 + MAX_SUPPORTING]
        return Answer(
            question=question,
            answered=True,
            citations=tuple(unique),
            score=best.score,  # what the decision to answer was judged on
            match=lead.key,
            corrections=query.corrected,
        )

    def _for_side(self, hits: list[Hit], side: Side) -> list[Hit]:
        """`hits` for a question about `side`'s stance, without the facts that report only
        other sides' stances. When one of those matched best ("did Ukraine reject the
        plan?" matches Moscow's rejection best), only a fact that reports this side's stance
        may answer it, and known unanswered questions count only if they matched better
        still."""
        best = next((h for h in hits if h.kind != "unanswered"), None)
        if best is None:
            return hits

        def others(hit: Hit) -> bool:
            sides = self._facts[hit.key].stance_of if hit.kind == "fact" else frozenset()
            return bool(sides) and side not in sides

        if not others(best):
            return [h for h in hits if not others(h)]
        return [
            h
            for h in hits
            if (h.kind == "unanswered" and h.score >= best.score)
            or (h.kind == "fact" and side in self._facts[h.key].stance_of)
        ]

    def _covered_together(self, query: Query, hits: list[Hit], best: Hit) -> bool:
        facts = _compared(hits)
        if not facts or facts[0] is not best or best.score < COMPARISON_FLOOR:
            return False
        # What the facts quote counts, and where: "compare the allies story and the Lavrov
        # report".
        texts = [text for hit in facts for text in self._texts(self._facts[hit.key])]
        return self.index.relevance(query, *texts) >= MIN_COVERAGE

    def _partly_answers(self, question: str, query: Query, best: Hit, kind: Wants) -> bool:
        """Whether the fact `best` answers `question` although it lacks some of its words: a
        fair match, grounded in what the fact says, that lacks no name, nothing the question
        asks for, no weighty word."""
        if best.kind != "fact" or kind not in (Wants.ANYTHING, Wants.REASON):
            return False
        if best.score < PARTIAL_SCORE or best.coverage < PARTIAL_COVERAGE:
            return False
        fact = self._facts[best.key]
        said = [fact.topic, *fact.aliases, *self._said(fact)]
        if self.index.relevance(query, *said) < PARTIAL_GROUNDED:
            return False
        asked = set(self.index.parse(" ".join(asked_for(question))).stems)
        named = set(self.index.parse(" ".join(capitalised(question))).stems)
        # A name weighing under a tenth of the question is the story's own subject, named in
        # passing ("the dmz bit in the plan russia shot down").
        return all(
            share < PARTIAL_MISSING
            and s not in asked
            and (share < PASSING_NAME or (s not in named and not self.index.is_name(s)))
            for s, share in self.index.uncovered(query, *self._texts(fact))
        )

    def _texts(self, fact: Fact) -> list[str]:
        """What a fact is asked with and says: its phrasings, topic and aliases, and what it
        says (`_said`)."""
        return [*fact.phrasings, fact.topic, *fact.aliases, *self._said(fact)]

    def _said(self, fact: Fact) -> list[str]:
        """What a fact says: each excerpt with the outlet and heading where it stands."""
        return [f"{c.excerpt} {self.index.surroundings(c)}" for c in fact.citations]

    def _applies(self, key: str, asked: set[str]) -> bool:
        """Whether a known unanswered question applies to a question using the words `asked`."""
        requires = self._unanswered[key].requires
        return not requires or not requires.isdisjoint(asked)

    def _reasons_first(self, hits: list[Hit], query: Query) -> list[Hit]:
        """`hits` with the best fact that gives the reason the question asks for moved first."""
        if not hits or hits[0].key in self._reasons:
            return hits
        for at, hit in enumerate(hits[1:], start=1):
            behind = hits[0].score - hit.score
            if behind > 2 * REASON_MARGIN:
                break
            why = self._reasons.get(hit.key)
            if not why:
                continue
            relevance = self.index.relevance(query, why)
            if relevance >= CLOSE_REASON_RELEVANCE or (
                relevance >= REASON_RELEVANCE and behind <= REASON_MARGIN
            ):
                return [hit, *hits[:at], *hits[at + 1 :]]
        return hits

    def _quotes_first(self, hits: list[Hit], query: Query) -> list[Hit]:
        """`hits` with the best fact whose lead excerpt quotes someone moved first."""
        for at, hit in enumerate(hits):
            if hits[0].score - hit.score > QUOTE_MARGIN:
                break
            if hit.kind != "unanswered" and _QUOTING.search(self._citations(hit, query)[0].excerpt):
                return [hit, *hits[:at], *hits[at + 1 :]]
        return hits

    def _both_first(self, hits: list[Hit]) -> list[Hit]:
        """`hits` with the best fact that cites more than one article moved first."""
        for at, hit in enumerate(hits):
            if hits[0].score - hit.score > BOTH_MARGIN:
                break
            if hit.kind == "fact" and self._spread[hit.key] > 1:
                return [hit, *hits[:at], *hits[at + 1 :]]
        return hits

    def _excerpts(self, hit: Hit) -> list[str]:
        if hit.kind == "passage":
            return [self._passages[hit.key].excerpt]
        return [c.excerpt for c in self._facts[hit.key].citations]

    def _citations(
        self, hit: Hit, query: Query, kind: Wants = Wants.ANYTHING, side: Side | None = None
    ) -> list[CitedExcerpt]:
        if hit.kind == "passage":
            return [self._cite(self._passages[hit.key], None)]
        fact = self._facts[hit.key]
        cited = [self._cite(c, fact) for c in fact.citations]
        # Where a fact cites several accounts, lead with the one the question clearly speaks
        # to ("what do Kyiv's Western allies think...", or the heading of its section: "the
        # key proposals in the US-Russia plan"); otherwise keep the curator's order, which puts
        # the best general answer first.
        relevance = [
            self.index.relevance(query, f"{c.excerpt} {c.kind} {self.index.surroundings(at)}")
            for c, at in zip(cited, fact.citations, strict=True)
        ]
        # A question quoted from an interview is context, never the lead answer.
        candidates = [
            i for i, c in enumerate(cited) if not c.excerpt.rstrip("”’\"' ").endswith("?")
        ]
        # Asked "when" or "how many", a citation that holds no time or number is not moved to
        # the front: the one that covers more of the question may hold none.
        holding = [i for i in candidates if can_answer(kind, [cited[i].excerpt])]
        candidates = holding or candidates
        # A citation from the piece the question names ("the allies story") leads; so does one
        # from the outlet it names ("per NextMinuteNews"), if its own words answer the question
        # about as well: asked "per NextMinuteNews, who monitors the demilitarized zone?", a
        # NextMinuteNews line that never mentions one must not read as its answer.
        pointed = [self.index.names_piece_of(query, at) for at in fact.citations]
        outlet = [
            self.index.names_outlet_of(query, at) or self.index.names_voice_of(query, at)
            for at in fact.citations
        ]
        if any(outlet):
            own = [self.index.relevance(query, at.excerpt) for at in fact.citations]
            for i, named in enumerate(outlet):
                pointed[i] = pointed[i] or (named and own[i] >= OUTLET_RELEVANCE * own[0] > 0)
        # Before all that, one that states the stance of the side the question asks about ("did
        # Russia welcome the plan?": Moscow's rejection, not the allies' welcome).
        stance = [side is not None and side in at.stance_of for at in fact.citations]
        best = max(candidates or [0], key=lambda i: (stance[i], pointed[i], relevance[i], -i))
        if (
            (stance[best] and not stance[0])
            or (pointed[best] and not pointed[0] and stance[best] == stance[0])
            or relevance[best] - relevance[0] >= REORDER_MARGIN
        ):
            cited.insert(0, cited.pop(best))
        return cited

    def _cite(self, citation: Citation, fact: Fact | None) -> CitedExcerpt:
        source = self.base.sources[citation.source]
        piece = source.piece_at(citation.start)
        return CitedExcerpt(
            source=citation.source,
            title=piece.title,
            outlet=piece.outlet,
            kind=piece.kind,
            excerpt=citation.excerpt,
            start=citation.start,
            end=citation.end,
            fact_id=fact.id if fact else None,
            topic=fact.topic if fact else None,
        )

    def _suggestions(self, hits: list[Hit]) -> tuple[str, ...]:
        chosen: list[Fact] = [self._facts[h.key] for h in hits if h.kind == "fact"]
        # With nothing related, offer the facts most sources speak to: the story's core.
        for fact in self._central:
            if len(chosen) >= MAX_SUGGESTIONS:
                break
            if fact not in chosen:
                chosen.append(fact)
        return tuple(suggestion_for(f) for f in chosen[:MAX_SUGGESTIONS])


def _compared(hits: list[Hit]) -> list[Hit]:
    """The facts a comparison may be covered by: the best few."""
    return [h for h in hits if h.kind == "fact"][:COMPARED_FACTS]


def suggestion_for(fact: Fact) -> str:
    """A question the fact answers, to offer when the bot has to decline."""
    for phrasing in fact.phrasings:
        if phrasing.rstrip().endswith("?"):
            return phrasing
    return fact.phrasings[0]


def _dedupe(citations: list[CitedExcerpt]) -> list[CitedExcerpt]:
    seen: list[tuple[str, int, int]] = []
    unique: list[CitedExcerpt] = []
    for citation in citations:
        # Overlapping excerpts of the same file would quote the same words twice.
        if any(
            src == citation.source and start < citation.end and citation.start < end
            for src, start, end in seen
        ):
            continue
        seen.append((citation.source, citation.start, citation.end))
        unique.append(citation)
    return unique
