"""Sentence splitting for article text (domain layer: standard library only).

Returns character spans into the original text, so every sentence can be quoted verbatim.
Copes with the articles' quirks: missing spaces after periods ("conflict.The plan"),
abbreviations ("Dr. Petrov", "Dr.Petrov :"), curly quotes, interview speaker labels (left out
of the sentence), dash bullets and numbered lists.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

# Words that end in a period without ending a sentence.
_ABBREVIATIONS = frozenset(
    [
        "dr",
        "mr",
        "mrs",
        "ms",
        "prof",
        "st",
        "gen",
        "col",
        "lt",
        "sgt",
        "rep",
        "sen",
        "gov",
        "pres",
        "jr",
        "sr",
        "vs",
        "etc",
        "no",
        "fig",
        "approx",
        "inc",
        "ltd",
        "co",
    ]
)
# A line's leading decoration that is not part of the sentence: bullets and list numbers.
_MARKER = re.compile(r"^[ \t]*(?:[–—\-•*·][ \t]+|\d{1,3}[.)][ \t]+)?")
# A name and a colon opening a line: an interview's speaker ("Dr. Petrov:", "Dr.Petrov :",
# "Senior Editor:") when it recurs, a label that belongs to the sentence ("Conclusion:") when not.
_LABEL = re.compile(r"(?:Dr\.?[ \t]?)?[A-Z][a-z]+(?:[ \t][A-Z][a-z]+)?[ \t]?:[ \t]+(?=\S)")
_CLOSERS = "”’\"')]"
_OPENERS = "“‘\"'("


@dataclass(frozen=True, slots=True)
class Span:
    """A sentence: its text and where it stands in the source (`text == source[start:end]`)."""

    start: int
    end: int
    text: str


def _is_abbreviation(line: str, dot: int) -> bool:
    j = dot
    while j > 0 and line[j - 1].isalpha():
        j -= 1
    word = line[j:dot].lower()
    # Single capitals ("U.S.", "J. Smith") are initials, not sentence ends.
    return word in _ABBREVIATIONS or (len(word) == 1 and line[j:dot].isupper())


def _sentence_ends(line: str) -> list[int]:
    """Indexes just past each sentence end in `line` (the last one is the line's end)."""
    ends: list[int] = []
    i = 0
    n = len(line)
    while i < n:
        ch = line[i]
        if ch in ".!?" and not (ch == "." and _is_abbreviation(line, i)):
            j = i + 1
            while j < n and line[j] in ".!?":
                j += 1
            while j < n and line[j] in _CLOSERS:
                j += 1
            k = j
            while k < n and line[k] in " \t":
                k += 1
            if k < n:
                nxt = line[k]
                spaced = k > j
                # A sentence starts with a capital, a digit or an opening quote; with no space
                # in between ("conflict.The") only a capital letter counts, so "2.5" and
                # "U.S." stay whole.
                if nxt.isupper() or (spaced and (nxt.isdigit() or nxt in _OPENERS)):
                    ends.append(j)
                    i = k
                    continue
            i = j
            continue
        i += 1
    ends.append(n)
    return ends


def opening_label(text: str, sentence: Span) -> int:
    """How long the title-case label is that opens `sentence` ("Security Gaps: ", "Conclusion:
    ") when the sentence opens a line of `text` (after any list marker); 0 when there is none."""
    before = text[text.rfind("\n", 0, sentence.start) + 1 : sentence.start]
    if _MARKER.match(before).end() != len(before):
        return 0
    label = _LABEL.match(sentence.text)
    return label.end() if label else 0


def list_lead_in(text: str, offset: int) -> str:
    """The line that introduces the list whose item holds character `offset` of `text` ("the
    plan includes:" above "– An immediate ceasefire"): "" when the line at `offset` is no list
    item, or when the line above its list does not end in a colon. An item means little
    without it: "International peacekeepers" are what "Western officials urge a revised plan
    with"."""
    at = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", at)
    if not _MARKER.match(text[at : len(text) if end < 0 else end]).group():
        return ""
    while at > 0:
        above = text.rfind("\n", 0, at - 1) + 1
        line = text[above : at - 1]
        at = above
        if line.strip() and not _MARKER.match(line).group():
            return line.strip() if line.rstrip().endswith(":") else ""
    return ""


def _speaker(label: str) -> str:
    return "".join(ch for ch in label.lower() if ch.isalpha())


def split_sentences(text: str) -> list[Span]:
    """Split `text` into sentence spans, each one a verbatim slice of `text`."""
    lines = text.splitlines(keepends=True)
    labels = [_LABEL.match(line) for line in lines]
    speakers = Counter(_speaker(m.group()) for m in labels if m)
    spans: list[Span] = []
    offset = 0
    for line, label in zip(lines, labels, strict=True):
        body = line.rstrip("\r\n")
        begin = _MARKER.match(body).end()  # always matches, possibly empty
        if begin == 0 and label and speakers[_speaker(label.group())] > 1:
            begin = label.end()
        start = begin
        for end in _sentence_ends(body[begin:]):
            piece = body[start : begin + end]
            stripped = piece.strip()
            if any(ch.isalnum() for ch in stripped):
                left = start + (len(piece) - len(piece.lstrip()))
                spans.append(Span(offset + left, offset + left + len(stripped), stripped))
            start = begin + end
        offset += len(line)
    return spans
