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
from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from knowledge.models import FactBase
from knowledge.text import STOPWORDS, AliasMap, content_stems, words

logger = logging.getLogger(__name__)

# Longer questions are cut: nothing a person asks needs more, and it bounds the work per request.
MAX_QUESTION_CHARS = 1000
# A passage (uncurated sentence) is worth this fraction of a curated fact with the same match.
PASSAGE_WEIGHT = 0.86
# Weight of a stem found only in a fact's excerpts, not in how people ask for it.
ANSWER_SIDE_WEIGHT = 0.9


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
    corrected: tuple[tuple[str, str], ...]


@dataclass(slots=True)
class _Entry:
    key: str
    kind: str
    ask: frozenset[str]
    answer: frozenset[str]
    phrasings: tuple[frozenset[str], ...]
    phrase_texts: tuple[str, ...]


def _min_typo_score(token: str) -> float:
    # Short words need a closer match: one wrong letter in four is a different word.
    if len(token) <= 4:
        return 86.0
    if len(token) <= 6:
        return 80.0
    return 78.0


class Index:
    """Built once per fact base; `search` is read-only and safe to share between threads."""

    def __init__(self, base: FactBase) -> None:
        self.aliases = AliasMap(base.aliases)
        self._entries: list[_Entry] = []
        for fact in base.facts:
            ask_texts = [*fact.phrasings, fact.topic, *fact.aliases]
            answer_texts = [c.excerpt for c in fact.citations]
            self._add(fact.id, "fact", ask_texts, answer_texts)
        for passage in base.passages:
            self._add(passage.id, "passage", [], [passage.citation.excerpt])

        self._postings: dict[str, list[int]] = defaultdict(list)
        for position, entry in enumerate(self._entries):
            for s in entry.ask | entry.answer:
                self._postings[s].append(position)
        count = max(len(self._entries), 1)
        self._idf = {s: math.log(1 + count / len(p)) for s, p in self._postings.items()}
        # An unknown word weighs like the rarest known one: it may be the question's point.
        self._unknown_weight = math.log(1 + count)

        vocabulary: set[str] = set(self.aliases.variant_words)
        for fact in base.facts:
            for text in (*fact.phrasings, fact.topic, *fact.aliases):
                vocabulary.update(words(text))
            for citation in fact.citations:
                vocabulary.update(words(citation.excerpt))
        for passage in base.passages:
            vocabulary.update(words(passage.citation.excerpt))
        self._vocabulary = {w for w in vocabulary if w not in STOPWORDS}
        self._vocabulary_list = sorted(self._vocabulary)
        logger.info(
            "index built: %d entries, %d stems, %d words",
            len(self._entries),
            len(self._postings),
            len(self._vocabulary),
        )

    def _tokens(self, text: str) -> list[str]:
        return self.aliases.apply(words(text))

    def _add(self, key: str, kind: str, ask_texts: list[str], answer_texts: list[str]) -> None:
        ask_lists = [content_stems(self._tokens(t)) for t in ask_texts]
        answer_lists = [content_stems(self._tokens(t)) for t in answer_texts]
        phrasings = ask_lists if ask_lists else answer_lists
        texts = ask_texts if ask_texts else answer_texts
        self._entries.append(
            _Entry(
                key=key,
                kind=kind,
                ask=frozenset(s for lst in ask_lists for s in lst),
                answer=frozenset(s for lst in answer_lists for s in lst),
                phrasings=tuple(frozenset(lst) for lst in phrasings),
                phrase_texts=tuple(" ".join(self._tokens(t)) for t in texts),
            )
        )

    def _correct(self, token: str) -> str:
        if token in self._vocabulary or token in STOPWORDS or len(token) < 4 or token.isdigit():
            return token
        found = process.extractOne(
            token,
            self._vocabulary_list,
            scorer=fuzz.ratio,
            score_cutoff=_min_typo_score(token),
        )
        return found[0] if found else token

    def parse(self, question: str) -> Query:
        """Normalise a question into weighted content stems (typos corrected, aliases applied)."""
        raw = words(question[:MAX_QUESTION_CHARS])
        corrected_tokens = [self._correct(t) for t in raw]
        corrections = tuple((a, b) for a, b in zip(raw, corrected_tokens, strict=True) if a != b)
        tokens = self.aliases.apply(corrected_tokens)
        stems = content_stems(tokens)
        weights = tuple(self._idf.get(s, self._unknown_weight) for s in stems)
        return Query(" ".join(tokens), tuple(stems), weights, corrections)

    def search(self, question: str, limit: int = 5) -> tuple[Query, list[Hit]]:
        """The best `limit` entries for `question`, best first (ties broken by key)."""
        query = self.parse(question)
        if not query.stems:
            return query, []
        total = sum(query.weights)
        candidates: set[int] = set()
        for s in query.stems:
            candidates.update(self._postings.get(s, ()))
        hits = [self._score(self._entries[i], query, total) for i in candidates]
        hits.sort(key=lambda h: (-h.score, h.key))
        return query, hits[:limit]

    def _score(self, entry: _Entry, query: Query, total: float) -> Hit:
        covered = 0.0
        for s, w in zip(query.stems, query.weights, strict=True):
            if s in entry.ask:
                covered += w
            elif s in entry.answer:
                covered += w * ANSWER_SIDE_WEIGHT
        coverage = covered / total
        query_set = dict(zip(query.stems, query.weights, strict=True))
        best_phrase = 0.0
        best_text = ""
        for phrasing, text in zip(entry.phrasings, entry.phrase_texts, strict=True):
            shared = sum(w for s, w in query_set.items() if s in phrasing)
            extra = sum(self._idf.get(s, self._unknown_weight) for s in phrasing - query_set.keys())
            jaccard = shared / (total + extra) if total + extra else 0.0
            if jaccard > best_phrase:
                best_phrase, best_text = jaccard, text
        closeness = fuzz.token_set_ratio(query.text, best_text) / 100 if best_text else 0.0
        score = 100 * (0.6 * coverage + 0.3 * best_phrase + 0.1 * closeness * coverage)
        if entry.kind == "passage":
            score *= PASSAGE_WEIGHT
        return Hit(entry.key, entry.kind, round(score, 3), round(coverage, 4))
