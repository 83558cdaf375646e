"""The search index over curated facts and article sentences (domain layer: rapidfuzz, stdlib).

How a question is matched:
1. Fold it (case, accents, quotes, dashes, Slack markup) into words.
2. Correct typos: a word the fact base has never seen is replaced by the closest known word
   (rapidfuzz `fuzz.ratio` against the vocabulary) when it is close enough.
3. Rewrite aliases (Zelenskyy -> zelensky, Kremlin -> russia, ...), drop stop words, stem.
4. Gather candidates from an inverted index (stem -> entries) and score each: how much of the
   question's weight (IDF) the entry covers, blended with how closely the question matches the
   entry's best single phrasing (weighted Jaccard, then rapidfuzz `token_set_ratio` on the words).
Curated facts outrank article sentences ("passages"), which only answer what no fact covers.
Words the fact base has never seen keep a high weight, so a question about something the
articles do not mention ("what did Biden say?") scores low and is declined.
"""

from __future__ import annotations

import logging
import math
from bisect import bisect_left
from collections import Counter, defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from knowledge.models import UNKNOWN_OUTLET, Citation, FactBase
from knowledge.text import STOPWORDS, AliasMap, content_stems, is_generic, stem, words

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
# Everyday verbs and adjectives (`knowledge.text.GENERIC`) weigh this fraction of their weight.
GENERIC_FACTOR = 0.3


@dataclass(frozen=True, slots=True)
class Hit:
    """A scored match: `key` is a fact id or a passage id; `score` is 0-100."""

    key: str
    kind: str  # "fact" or "passage"
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


@dataclass(slots=True)
class _Entry:
    key: str
    kind: str
    ask: frozenset[str]
    answer: frozenset[str]
    phrasings: tuple[frozenset[str], ...]
    phrase_texts: tuple[str, ...]
    heading: bool = False


def _plausible_typo(typed: str, known: str) -> bool:
    # People rarely get the first letter wrong; swapping the first two is the exception.
    return typed[0] == known[0] or (typed[:2] == known[1::-1] and typed[2:3] == known[2:3])


def _looks_like_heading(source_text: str, citation: Citation) -> bool:
    """A short line with no closing punctuation that is not a list item."""
    excerpt = citation.excerpt
    line_start = source_text.rfind("\n", 0, citation.start) + 1
    listed = source_text[line_start : citation.start].strip() != ""
    ends = excerpt.rstrip("”\"’')").endswith((".", "!", "?", ":"))
    return not listed and not ends and len(excerpt.split()) <= 10


def _source_words(base: FactBase, citation: Citation) -> str:
    piece = base.sources[citation.source].piece_at(citation.start)
    outlet = "" if piece.outlet == UNKNOWN_OUTLET else piece.outlet
    return " ".join([outlet, *piece.aliases])


class Index:
    """Built once per fact base; `search` is read-only and safe to share between threads."""

    def __init__(self, base: FactBase) -> None:
        self.aliases = AliasMap(base.aliases)
        self._text_stems: dict[str, frozenset[str]] = {}
        self._entries: list[_Entry] = []
        for fact in base.facts:
            ask_texts = [*fact.phrasings, fact.topic, *fact.aliases]
            answer_texts = [c.excerpt for c in fact.citations]
            sources = [_source_words(base, c) for c in fact.citations]
            self._add(fact.id, "fact", ask_texts, answer_texts, sources)
        for passage in base.passages:
            citation = passage.citation
            self._add(
                passage.id, "passage", [], [citation.excerpt], [_source_words(base, citation)]
            )
            text = base.sources[citation.source].text
            self._entries[-1].heading = _looks_like_heading(text, citation)

        self._postings: dict[str, list[int]] = defaultdict(list)
        for position, entry in enumerate(self._entries):
            for s in entry.ask | entry.answer:
                self._postings[s].append(position)
        count = max(len(self._entries), 1)
        self._idf = {s: math.log(1 + count / len(p)) for s, p in self._postings.items()}
        self._unknown_weight = UNKNOWN_FACTOR * math.log(1 + count)

        counts: Counter[str] = Counter(self.aliases.variant_words)
        for fact in base.facts:
            for text in (*fact.phrasings, fact.topic, *fact.aliases):
                counts.update(words(text))
            for citation in fact.citations:
                counts.update(words(citation.excerpt))
        for passage in base.passages:
            counts.update(words(passage.citation.excerpt))
        counts.update(STOPWORDS)
        self._vocabulary = set(counts)
        # Most frequent first, so that of two equally close corrections the commoner wins.
        self._vocabulary_list = sorted(counts, key=lambda w: (-counts[w], w))
        self._stems_sorted = sorted(self._postings)
        self._stopword_list = sorted(STOPWORDS)
        logger.info(
            "index built: %d entries, %d stems, %d words",
            len(self._entries),
            len(self._postings),
            len(self._vocabulary),
        )

    def relevance(self, query: Query, text: str) -> float:
        """The share of the question's weight that `text` covers (0-1), e.g. to order a fact's
        citations so the one that speaks to the question comes first."""
        stems = self._text_stems.get(text)
        if stems is None:
            stems = frozenset(content_stems(self._tokens(text)))
            self._text_stems[text] = stems
        total = sum(query.weights) or 1.0
        return (
            sum(
                w
                for rel, w in zip(query.related, query.weights, strict=True)
                if any(r in stems for r in rel)
            )
            / total
        )

    def _tokens(self, text: str) -> list[str]:
        return self.aliases.apply(words(text))

    def _add(
        self,
        key: str,
        kind: str,
        ask_texts: list[str],
        answer_texts: list[str],
        source_texts: list[str],
    ) -> None:
        ask_lists = [content_stems(self._tokens(t)) for t in ask_texts]
        answer_lists = [content_stems(self._tokens(t)) for t in answer_texts]
        source_stems = {s for t in source_texts for s in content_stems(self._tokens(t))}
        phrasings = ask_lists if ask_lists else answer_lists
        texts = ask_texts if ask_texts else answer_texts
        self._entries.append(
            _Entry(
                key=key,
                kind=kind,
                ask=frozenset(s for lst in ask_lists for s in lst),
                # Naming the outlet ("what does NextMinuteNews say about...") is no reason
                # to decline: the source's names count as part of what an entry says.
                answer=frozenset(s for lst in answer_lists for s in lst) | source_stems,
                phrasings=tuple(frozenset(lst) for lst in phrasings),
                phrase_texts=tuple(" ".join(self._tokens(t)) for t in texts),
            )
        )

    def _correct(self, token: str) -> str:
        """The known word `token` was probably meant to be, or `token` itself.

        Edits are counted with OSA distance (swapping two neighbours is one edit): one edit up
        to eight letters, two beyond. Words of three letters are left alone, and four-letter
        words are only corrected into filler ("waht" -> "what"): a content word that close to
        another ("pope", "hope") is more often a different word than a typo.
        """
        if len(token) <= 3 or token in self._vocabulary or token.isdigit():
            return token
        if len(token) == 4:
            choices, limit = self._stopword_list, 1
        else:
            choices, limit = self._vocabulary_list, 1 if len(token) <= 8 else 2
        close = [
            (distance, rank, known)
            for known, distance, rank in process.extract_iter(
                token, choices, scorer=OSA.distance, score_cutoff=limit
            )
            if _plausible_typo(token, known)
        ]
        # The closest word wins; among equally close ones, the most frequent (lists are sorted
        # by frequency).
        return min(close)[2] if close else token

    def _related(self, s: str) -> tuple[str, ...]:
        """Indexed stems equal to `s` or, for an unseen stem, sharing a prefix of 4+ letters
        with it ("warn" ~ "warnin"), so that inflections the stemmer missed still meet."""
        if s in self._postings or len(s) < 4:
            return (s,)
        related = [s[:n] for n in range(4, len(s)) if s[:n] in self._postings]
        at = bisect_left(self._stems_sorted, s)
        while at < len(self._stems_sorted) and self._stems_sorted[at].startswith(s):
            related.append(self._stems_sorted[at])
            at += 1
        return tuple(related) or (s,)

    def parse(self, question: str) -> Query:
        """Normalise a question into weighted content stems (typos corrected, aliases applied)."""
        raw = words(question[:MAX_QUESTION_CHARS])
        corrected_tokens = [self._correct(t) for t in raw]
        corrections = tuple((a, b) for a, b in zip(raw, corrected_tokens, strict=True) if a != b)
        # One or two letters the fact base never uses ("hw", "r") are noise, not a topic.
        tokens = [
            t for t in self.aliases.apply(corrected_tokens) if len(t) > 2 or t in self._vocabulary
        ]
        generic: dict[str, bool] = {}
        for token in tokens:
            if token not in STOPWORDS:
                s = stem(token)
                generic[s] = generic.get(s, True) and is_generic(token)
        stems = tuple(generic)
        related = tuple(self._related(s) for s in stems)
        weights = tuple(
            min((self._idf[r] for r in rel if r in self._idf), default=self._unknown_weight)
            * (GENERIC_FACTOR if generic[s] else 1.0)
            for s, rel in zip(stems, related, strict=True)
        )
        return Query(" ".join(tokens), stems, weights, related, corrections)

    def search(self, question: str, limit: int = 5) -> tuple[Query, list[Hit]]:
        """The best `limit` entries for `question`, best first (ties broken by key)."""
        query = self.parse(question)
        if not query.stems:
            return query, []
        candidates: set[int] = set()
        for rel in query.related:
            for r in rel:
                candidates.update(self._postings.get(r, ()))
        hits = [self._score(self._entries[i], query) for i in candidates]
        hits.sort(key=lambda h: (-h.score, h.key))
        return query, hits[:limit]

    def _score(self, entry: _Entry, query: Query) -> Hit:
        total = sum(query.weights)
        covered = 0.0
        matched: set[str] = set()  # the entry's stems the question reached
        for rel, w in zip(query.related, query.weights, strict=True):
            in_ask = [r for r in rel if r in entry.ask]
            if in_ask:
                covered += w
                matched.update(in_ask)
                continue
            in_answer = [r for r in rel if r in entry.answer]
            if in_answer:
                covered += w * ANSWER_SIDE_WEIGHT
                matched.update(in_answer)
        coverage = covered / total
        best_phrase = 0.0
        best_text = ""
        for phrasing, text in zip(entry.phrasings, entry.phrase_texts, strict=True):
            shared = sum(self._idf[s] for s in phrasing & matched)
            extra = sum(self._idf.get(s, self._unknown_weight) for s in phrasing - matched)
            unmatched_query = total - sum(
                w
                for rel, w in zip(query.related, query.weights, strict=True)
                if any(r in phrasing for r in rel)
            )
            union = shared + extra + unmatched_query
            jaccard = shared / union if union else 0.0
            if jaccard > best_phrase:
                best_phrase, best_text = jaccard, text
        closeness = fuzz.token_set_ratio(query.text, best_text) / 100 if best_text else 0.0
        score = 100 * (
            W_COVERAGE * coverage + W_PHRASE * best_phrase + W_CLOSENESS * closeness * coverage
        )
        if entry.kind == "passage":
            score *= HEADING_WEIGHT if entry.heading else PASSAGE_WEIGHT
        return Hit(entry.key, entry.kind, round(score, 3), round(coverage, 4))
