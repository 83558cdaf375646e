"""Fast paths for the text steps the index runs on every text it builds from (domain layer).

Building an index over a million facts tokenises several million texts, so the general steps in
`knowledge.text` (Unicode normalisation, alias rewriting by trying every phrase length at every
position) dominate the build. The functions here return exactly what `knowledge.text` returns
(tests/knowledge/test_index_tokens.py checks them against it) but skip work that cannot change
the result: plain ASCII needs no accent stripping, and a word that starts no alias phrase
cannot be rewritten.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import compress

from knowledge.text import (
    _POSSESSIVE,
    _SLASH_COMMAND,
    _US,
    STOPWORDS,
    AliasMap,
    content_stems,
    stem,
    words,
)

# `knowledge.text`'s words (`[^\W_]+`) in lower-case ASCII are the runs of [a-z0-9]: every other
# ASCII character becomes a space and `str.split` finds them, a few times faster than a regex.
_NOT_WORD = str.maketrans({chr(c): " " for c in range(128) if not chr(c).isalnum() and c})
# Several texts are tokenised in one pass, joined by a separator that folding leaves alone and
# the split keeps as a token of its own (spaces around it: an edge, as a text's end is; a text
# holding it is not tokenised this way).
SEPARATOR = "\x00"


def _ascii_words(text: str) -> list[str]:
    """The words of folded, lower-case ASCII `text` (SEPARATOR, set apart by spaces, is one)."""
    return text.translate(_NOT_WORD).split()


def _has_us(text: str) -> bool:
    """Whether `_US` can match: the plain substring test skips the regex for nearly every text."""
    return "US" in text or "U.S." in text


def _has_command(text: str) -> bool:
    """Whether `_SLASH_COMMAND` can match: nearly every text has no "/" to look at."""
    return "/" in text and _SLASH_COMMAND.search(text) is not None


def fast_words(text: str) -> list[str]:
    """`knowledge.text.words(text)`, without Unicode normalisation when `text` is plain ASCII.

    ASCII has nothing to decompose or strip and lower-cases like `casefold`; without `<` there
    is no Slack markup, without `&` no HTML escape, and without the bot's slash command nothing
    more to drop. The other steps of `knowledge.text.fold` are repeated here; `agrees_with_text`
    checks that they still are.
    """
    plain = "<" not in text and "&" not in text and not _has_command(text)
    if text.isascii() and plain and SEPARATOR not in text:
        if _has_us(text):
            text = _US.sub("USA", text)  # the country, told apart from the pronoun
        text = text.lower()
        if "'" in text or "`" in text:  # "`" is the one ASCII character folded to "'"
            text = _POSSESSIVE.sub("", text.replace("`", "'")).replace("'", "")
        return _ascii_words(text)
    return words(text)


def fast_words_joined(texts: list[str]) -> list[str] | None:
    """`knowledge.text.words` of each text, in one pass, one list with SEPARATOR between the
    texts' words; None unless every text is plain ASCII (then use `fast_words` on each)."""
    joined = f" {SEPARATOR} ".join(texts)
    if (
        not joined.isascii()
        or "<" in joined
        or "&" in joined
        or _has_command(joined)
        or joined.count(SEPARATOR) != len(texts) - 1
    ):
        return None
    if _has_us(joined):
        joined = _US.sub("USA", joined)
    joined = joined.lower()
    if "'" in joined or "`" in joined:
        joined = _POSSESSIVE.sub("", joined.replace("`", "'")).replace("'", "")
    return _ascii_words(joined)


def split_joined(tokens: list[str], count: int) -> list[list[str]]:
    """The `count` per-text lists of a list joined with SEPARATOR (a text without words gives
    an empty list; `count` is one more than the separators, which the joining checked)."""
    each, start, find = [], 0, tokens.index  # list.index: the search is a C loop
    for _ in range(count - 1):
        end = find(SEPARATOR, start)
        each.append(tokens[start:end])
        start = end + 1
    each.append(tokens[start:])
    return each


def fast_content_stems(tokens: Iterable[str]) -> list[str]:
    """`knowledge.text.content_stems(tokens)`: stems of non-stop words, in order, deduplicated."""
    return StemTable().content_stems(tokens)


class StemTable(dict[str, str]):
    """Each word's stem, worked out once ("" for a stop word)."""

    def __missing__(self, word: str) -> str:
        found = self[word] = "" if word in STOPWORDS else stem(word)
        return found

    def content_stems(self, tokens: Iterable[str]) -> list[str]:
        """`knowledge.text.content_stems(tokens)`, with each word's stem looked up."""
        found = dict.fromkeys(map(self.__getitem__, tokens))
        found.pop("", None)
        return list(found)


class AliasRewriter:
    """`AliasMap.apply`, trying phrases only where a word starts one and the next word can
    continue it."""

    def __init__(self, aliases: AliasMap) -> None:
        # AliasMap keeps its phrases private; this class is its fast path and is tested against
        # `AliasMap.apply` on every text of the shipped fact base.
        self._phrases = aliases._phrases
        self._longest_from: dict[str, int] = {}
        self._next_words: dict[str, set[str]] = {}  # first word -> second words of its phrases
        self._single: set[str] = set()  # words that are a phrase by themselves
        for key in self._phrases:
            self._longest_from[key[0]] = max(self._longest_from.get(key[0], 0), len(key))
            self._next_words.setdefault(key[0], set())
            if len(key) > 1:
                self._next_words[key[0]].add(key[1])
            else:
                self._single.add(key[0])

    def apply(self, tokens: list[str]) -> list[str]:
        """Rewrite `tokens`, replacing the longest matching variant phrase at each position."""
        longest_from, next_words, phrases = self._longest_from, self._next_words, self._phrases
        single, count = self._single, len(tokens)
        # Where a phrase can start: a word that is one, or whose next word can continue one.
        # Where a phrase can start: a word that is one, or whose next word can continue one.
        # The words that start a phrase are found by C loops (map, compress): most words don't.
        starts = [
            i
            for i in compress(range(count), map(longest_from.__contains__, tokens))
            if tokens[i] in single or (i + 1 < count and tokens[i + 1] in next_words[tokens[i]])
        ]
        if not starts:
            return tokens
        out: list[str] = []
        done = 0  # tokens[:done] are in `out`
        for i in starts:
            if i < done:
                continue  # inside a phrase already rewritten
            token = tokens[i]
            longest = longest_from[token]
            if i + 1 >= count or tokens[i + 1] not in next_words[token]:
                longest = 1  # only a one-word phrase can match here
            for size in range(min(longest, count - i), 0, -1):
                target = phrases.get(tuple(tokens[i : i + size]))
                if target is not None:
                    out.extend(tokens[done:i])
                    out.extend(target)
                    done = i + size
                    break
        if not done:
            return tokens
        out.extend(tokens[done:])
        return out


def agrees_with_text(texts: Iterable[str], aliases: AliasMap) -> bool:
    """Whether the fast paths give what `knowledge.text` gives on `texts` (a sample the index
    checks before it relies on them, so that a change there cannot silently change results)."""
    rewriter = AliasRewriter(aliases)
    texts = list(texts)
    for start in range(0, len(texts), 5):
        batch = texts[start : start + 5]
        joined = fast_words_joined(batch)
        if joined is not None and split_joined(joined, len(batch)) != [
            words(text) for text in batch
        ]:
            return False
        # Alias phrases never span two texts: the separator is in none.
        if joined is not None and split_joined(rewriter.apply(joined), len(batch)) != [
            aliases.apply(words(text)) for text in batch
        ]:
            return False
    for text in texts:
        tokens = words(text)
        if fast_words(text) != tokens:
            return False
        if rewriter.apply(tokens) != aliases.apply(tokens):
            return False
        if fast_content_stems(tokens) != content_stems(tokens):
            return False
    return True
