"""Draft facts for the article sentences no curated fact cites, in the fact files' own TOML
format, for a curator to review, edit and paste (domain layer: standard library only).

A draft is a starting point, not a fact: its phrasings are derived mechanically from the
sentence (a question about its key phrase, the key phrases themselves, its content words), and
its citation is the sentence itself (widened with its neighbours when the sentence occurs more
than once in the article, as a citation must be unique), so it passes `python -m bot check` as
it stands.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from knowledge.models import FactBase
from knowledge.sentences import Span, split_sentences
from knowledge.text import STOPWORDS, words

TOPIC_WORDS = 8  # words of the sentence in a draft's topic
MAX_PHRASES = 3  # key phrases offered as fragments
MAX_PHRASE_WORDS = 4
CONTENT_WORDS = 10  # content words in the last, catch-all phrasing

# Punctuation that ends a phrase (a period only at a word's end, and not after a title such as
# "Dr."); the words between are candidate noun phrases.
_BREAK = re.compile(
    r"[,;:!?()\[\]“”\"«»…]|\s[–—-]\s|^[–—-]|\s[–—-]$"
    r"|(?<!\bDr)(?<!\bMr)(?<!\bMs)(?<!\bSt)(?<!\bMrs)(?<!\bvs)\.(?=\s|$)"
)
_NOT_A_PHRASE = STOPWORDS | {"vs", "etc"}
_TOKEN = re.compile(r"[^\W_]+(?:[’'][^\W_]+)*")
_REPORTING = re.compile(
    r"\b((?:[A-Z][\w’'.-]+\s+){0,3}[A-Z][\w’'-]+)(?:,[^,]{1,60},)?\s+"
    r"(?:said|says|added|stated|told|warned|noted|argued|claimed|insisted|emphasized|"
    r"emphasised|stressed|explained)\b"
)


@dataclass(frozen=True, slots=True)
class Draft:
    """A proposed fact for one uncovered sentence."""

    id: str
    topic: str
    phrasings: tuple[str, ...]
    source: str
    excerpt: str
    sentence: int  # its number in the article (as in the passage id `file#n`)


def slug(name: str) -> str:
    """A fact-id-safe form of a file name: lowercase letters, digits and dashes."""
    stem = name.rsplit(".", 1)[0] if "." in name else name
    text = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")
    return text or "article"


def key_phrases(sentence: str) -> list[str]:
    """Runs of content words (up to four, between stop words and punctuation), the ones with
    names and more words first: the sentence's likely noun phrases, lowercased."""
    found: list[tuple[int, int, str]] = []
    for position, segment in enumerate(_BREAK.split(sentence)):
        run: list[str] = []
        capitals = 0
        for token in [*_TOKEN.findall(segment), ""]:
            folded = " ".join(words(token))
            if token and folded and folded not in _NOT_A_PHRASE and not folded.isdigit():
                run.append(folded)
                capitals += token[:1].isupper()
                continue
            if run:
                phrase = " ".join(run[:MAX_PHRASE_WORDS])
                found.append((-(capitals + min(len(run), MAX_PHRASE_WORDS)), position, phrase))
            run, capitals = [], 0
    phrases: list[str] = []
    for _, _, phrase in sorted(found):
        if phrase not in phrases and not any(phrase in p.split(" ") for p in phrases):
            phrases.append(phrase)
    return phrases


def question_for(sentence: str, phrases: list[str]) -> str:
    """A question the sentence answers, as a stem to rewrite: who said it, or what about its
    key phrase."""
    speaker = _REPORTING.search(sentence)
    if speaker:
        return f"what did {' '.join(words(speaker.group(1)))} say?"
    if phrases:
        return f"what about {phrases[0]}?"
    return " ".join(words(sentence)) + "?"


def _occurs_once(text: str, excerpt: str) -> bool:
    first = text.find(excerpt)
    return first >= 0 and text.find(excerpt, first + 1) < 0


def unique_excerpt(text: str, spans: list[Span], index: int) -> str:
    """Sentence `index` of `text` as a citation excerpt: the sentence itself when it occurs once
    in `text`, else widened with the next and previous sentences, in turn, until it does."""
    low = high = index
    excerpt = spans[index].text
    forward = True
    while not _occurs_once(text, excerpt) and (low > 0 or high < len(spans) - 1):
        if (forward and high < len(spans) - 1) or low == 0:
            high += 1
        else:
            low -= 1
        forward = not forward
        excerpt = text[spans[low].start : spans[high].end]
    return excerpt


def draft_for(
    source: str, sentence: str, number: int, taken: set[str], excerpt: str | None = None
) -> Draft:
    """The draft fact for sentence `number` of `source` (an id not in `taken`), citing
    `excerpt` (by default the sentence)."""
    flat = " ".join(sentence.split())
    shown = flat.split(" ")
    topic = " ".join(shown[:TOPIC_WORDS]) + (" …" if len(shown) > TOPIC_WORDS else "")
    phrases = key_phrases(flat)[:MAX_PHRASES]
    tokens = words(flat)
    content = [t for t in tokens if t not in STOPWORDS][:CONTENT_WORDS]
    phrasings: list[str] = []
    for phrasing in (question_for(flat, phrases), *phrases, " ".join(content)):
        if phrasing.strip() and phrasing not in phrasings:
            phrasings.append(phrasing)
    if not phrasings:
        phrasings.append(flat)
    base_id = f"{slug(source)}-s{number}"
    fact_id, suffix = base_id, 2
    while fact_id in taken:
        fact_id, suffix = f"{base_id}-{suffix}", suffix + 1
    taken.add(fact_id)
    cited = excerpt or sentence
    return Draft(fact_id, f"Draft: {topic}", tuple(phrasings), source, cited, number)


def draft_facts(base: FactBase, sources: Iterable[str] | None = None) -> list[Draft]:
    """A draft for every sentence no fact cites, article by article (all, or only `sources`)."""
    wanted = set(sources) if sources is not None else None
    taken = {fact.id for fact in base.facts}
    drafts: list[Draft] = []
    for name, source in base.sources.items():
        if wanted is not None and name not in wanted:
            continue
        uncovered = {c.start for c in base.uncovered.get(name, ())}
        spans = split_sentences(source.text)
        for number, span in enumerate(spans, start=1):
            if span.start in uncovered:
                excerpt = unique_excerpt(source.text, spans, number - 1)
                drafts.append(draft_for(name, span.text, number, taken, excerpt))
    return drafts


def toml_string(text: str) -> str:
    """`text` as a TOML basic string (quotes, backslashes and control characters escaped)."""
    out = ['"']
    for char in text:
        if char == '"':
            out.append('\\"')
        elif char == "\\":
            out.append("\\\\")
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif char == "\r":
            out.append("\\r")
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def drafts_toml(drafts: Iterable[Draft]) -> str:
    """The drafts as `[[fact]]` tables, ready to paste into a file in `knowledge/facts/`."""
    lines = [
        "# Draft facts for the sentences no fact cites yet (python -m bot suggest).",
        "# Review each one: rewrite the topic and phrasings as people would ask, keep or drop it,",
        "# then paste it into a file in knowledge/facts/ and run `python -m bot check`.",
    ]
    current = None
    for draft in drafts:
        if draft.source != current:
            current = draft.source
            lines += ["", f"# ---- seeds/{draft.source} " + "-" * max(0, 60 - len(draft.source))]
        phrasings = ", ".join(toml_string(p) for p in draft.phrasings)
        lines += [
            "",
            "[[fact]]",
            f"id = {toml_string(draft.id)}",
            f"topic = {toml_string(draft.topic)}",
            f"phrasings = [{phrasings}]",
            "",
            "[[fact.citations]]",
            f"source = {toml_string(draft.source)}",
            f"excerpt = {toml_string(draft.excerpt)}",
        ]
    return "\n".join(lines) + "\n"
