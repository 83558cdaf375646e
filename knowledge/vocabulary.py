"""The words a fact base uses, and typo correction against them (domain layer: rapidfuzz).

A word the fact base has never seen is replaced by the closest known word when it is close
enough. Only known words that could be that typo are compared: a word within `d` edits has a
length within `d`, and people rarely get the first letter wrong (swapping the first two letters
is the exception), so the words are kept in buckets by first letter and length and a lookup
compares a few hundred words instead of the whole vocabulary. The result is the same as
comparing against every known word. A word that is no common English word is first looked up
by its sounds among the known names (`sound_key`): names carried over from other alphabets are
spelt in many ways.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from rapidfuzz import process
from rapidfuzz.distance import OSA

from knowledge.text import NOT_TYPO_TARGETS, STOPWORDS, is_english, is_generic, same_word

# Spellings of one sound in the ways names are carried over from Cyrillic into English, German
# and other languages, each reduced to one letter ("Selenskyj" and "Zelensky", "Kiew" and
# "Kiev", "Cherson" and "Kherson", "Lawrow" and "Lavrov"). Applied in order.
_SOUNDS = (
    ("tsch", "ch"),
    ("sch", "sh"),
    ("zh", "sh"),
    ("sh", "s"),
    ("kh", "k"),
    ("ch", "k"),
    ("ck", "k"),
    ("c", "k"),
    ("ts", "s"),
    ("z", "s"),
    ("w", "v"),
    ("ph", "f"),
    ("j", "i"),
    ("y", "i"),
)
_DOUBLED = re.compile(r"(.)\1+")
# Sound keys shorter than this ("kat" for "katt" or "chat") are too often other words that sound
# alike, unless the word typed is longer than this ("kyjiw" and "kyiv" both reduce to "kiv").
MIN_SOUND_KEY = 4


def sound_key(word: str) -> str:
    """`word` with each sound spelt one way and doubled letters single: a name and its
    transliterations share it ("saporischschja" and "zaporizhzhia", "kyjiw" and "kyiv")."""
    for spelling, sound in _SOUNDS:
        word = word.replace(spelling, sound)
    return _DOUBLED.sub(r"\1", word)


def plausible_typo(typed: str, known: str) -> bool:
    """Whether `typed` could be a slip for `known`: same first letter, or the first two swapped."""
    return typed[0] == known[0] or (typed[:2] == known[1::-1] and typed[2:3] == known[2:3])


class Vocabulary:
    """Known words ranked by frequency; `correct` maps a typo to the word it probably meant."""

    def __init__(self, ranked: Iterable[str]) -> None:
        # Most frequent first, so that of two equally close corrections the commoner wins.
        self.ranked: list[str] = list(ranked)
        self._rank = {word: rank for rank, word in enumerate(self.ranked)}
        self._buckets: dict[tuple[str, int], list[str]] = {}
        for word in self.ranked:  # in rank order, so each bucket is too
            self._buckets.setdefault((word[0], len(word)), []).append(word)
        # Filler a typo may be corrected into; chat abbreviations and newsroom chatter are left
        # out, or "peer" would become "per", "cruz" "cuz" and "poll" "pull".
        self._filler = STOPWORDS - NOT_TYPO_TARGETS
        self._stopwords = sorted(self._filler)
        # The commonest known name for each sound key (see `sound_key`): only words that are no
        # common English, or "chill" would be read as "kill" and "fake" as "face".
        self._by_sound: dict[str, str] = {}
        for word in self.ranked:
            if len(word) >= MIN_SOUND_KEY and word not in self._filler and not is_english(word):
                self._by_sound.setdefault(sound_key(word), word)

    @classmethod
    def from_counts(cls, counts: Counter[str]) -> Vocabulary:
        """The vocabulary of words counted in a fact base, commonest first (ties by spelling)."""
        return cls(sorted(counts, key=lambda w: (-counts[w], w)))

    def __contains__(self, word: object) -> bool:
        return word in self._rank

    def __len__(self) -> int:
        return len(self.ranked)

    def correct(self, token: str) -> str:
        """The known word `token` was probably meant to be, or `token` itself.

        Edits are counted with OSA distance (swapping two neighbours is one edit): one edit up
        to eight letters, two beyond. An everyday word of five letters or more ("expect",
        "expected") is a word, never a slip; so is any other common English word ("nuclear" is
        no slip for "unclear", nor "shares" for "scare"), unless the known word is another form
        of it ("names" is "name", "kilometers" "kilometres"), or filler or an everyday word
        ("white" may be "while"; what was typed is lost then, but it rarely named the topic).
        Three-letter words are only corrected into filler by swapping two neighbours ("teh" ->
        "the"). Four-letter words are only corrected into filler ("waht" -> "what"), by
        swapping two neighbours ("plna" -> "plan"), by doubling a letter ("anex" -> "annex") or
        by putting back one dropped inside the word ("davd" -> "david", but "zone" is no slip
        for "zones"): a content word one other letter away from another ("pope", "hope") is
        more often a different word than a typo. A word ending in "s" that is nothing known may
        be a possessive typed without its apostrophe: "ukrianes" is read as "ukraine" if the
        word without its "s" can be corrected. Before any of that, a word that is no common
        English word and sounds like a known name is that name (`sound_key`: "selenskyj").
        """
        if len(token) <= 2 or token in self._rank or token.isdigit() or token in NOT_TYPO_TARGETS:
            return token  # chat and newsroom words are words, even if the fact base never uses them
        if len(token) == 3:
            swapped = [token[1] + token[0] + token[2], token[0] + token[2] + token[1]]
            return next((w for w in swapped if w in self._filler), token)
        if len(token) > 4 and is_generic(token):
            return token
        english = is_english(token)
        if not english:
            # Another transliteration of a name ("selenskyj"): the same sounds are better evidence
            # than any slip ("volodimir" is Volodymyr, not Vladimir two letters away).
            key = sound_key(token)
            if len(key) >= MIN_SOUND_KEY or len(token) > MIN_SOUND_KEY:
                named = self._by_sound.get(key)
                if named:
                    return named
        nearest = self._nearest(token)
        if nearest == token and len(token) > 5 and token.endswith("s"):
            # A possessive typed without its apostrophe, on a misspelt name ("ukrianes"): the
            # name alone is one slip away ("ukraine"), the name and the "s" two.
            bare = self._nearest(token[:-1])
            nearest = bare if bare != token[:-1] else token
        if nearest != token and english:
            harmless = nearest in self._filler or is_generic(nearest)
            return nearest if same_word(token, nearest) or harmless else token
        return nearest

    def _nearest(self, token: str) -> str:
        """The closest known word within the edits `correct` allows, or `token` (the search
        `correct` makes once its rules for short and everyday words have not decided)."""
        if len(token) == 4:
            close = [
                (distance, not _undoubled(token, known), rank, known)
                for known, distance, rank in process.extract_iter(
                    token, self._stopwords, scorer=OSA.distance, score_cutoff=1
                )
                if plausible_typo(token, known)
            ]
            if close:
                return min(close)[-1]
            swapped = [token[:i] + token[i + 1] + token[i] + token[i + 2 :] for i in range(3)]
            doubled = [token[: i + 1] + token[i:] for i in range(4)]
            dropped = [
                known
                for known in self._buckets.get((token[0], 5), ())
                if not known.startswith(token) and OSA.distance(token, known) == 1
            ]
            known_slips = [known for known in swapped + doubled + dropped if known in self._rank]
            return min(known_slips, key=self._rank.__getitem__) if known_slips else token
        limit = 1 if len(token) <= 8 else 2
        firsts = {token[0], token[1]}  # the first letter, or the second when the two swapped
        close = []
        for first in firsts:
            for length in range(len(token) - limit, len(token) + limit + 1):
                bucket = self._buckets.get((first, length))
                if not bucket:
                    continue
                for known, distance, _ in process.extract_iter(
                    token, bucket, scorer=OSA.distance, score_cutoff=limit
                ):
                    if plausible_typo(token, known):
                        close.append(
                            (distance, not _undoubled(token, known), self._rank[known], known)
                        )
        # The closest word wins; among equally close ones, a doubled letter typed once ("realy"
        # is "really" rather than "ready"), then the most frequent.
        return min(close)[-1] if close else token


def _undoubled(token: str, known: str) -> bool:
    """Whether `token` is `known` with one of its doubled letters typed once."""
    return len(known) == len(token) + 1 and any(
        known[i] == known[i + 1] and known[:i] + known[i + 1 :] == token for i in range(len(token))
    )
