"""Data shapes of the fact base (domain layer: pydantic only).

The `*Entry` models describe the reviewable TOML files under `knowledge/`; the rest describe the
loaded, validated fact base that the index searches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, field_validator

from knowledge.sides import Side

# The outlet of an article whose metadata does not name one.
UNKNOWN_OUTLET = "outlet not named"

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=False, frozen=True)
# An id of a fact or a known unanswered question: lowercase-kebab.
_Id = Annotated[str, Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9-]*$")]


def _no_blank(values: list[str]) -> list[str]:
    for value in values:
        if not value.strip():
            raise ValueError("must not contain blank strings")
    return values


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


class PieceEntry(BaseModel):
    """One piece of writing inside a source file (a file may hold several)."""

    model_config = _STRICT
    title: str = Field(min_length=1)
    outlet: str = Field(min_length=1)
    kind: str = Field(min_length=1)
    starts_with: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    nicknames: list[str] = Field(default_factory=list)
    voices: list[str] = Field(default_factory=list)


class SourceEntry(BaseModel):
    """Metadata for one file in `seeds/`."""

    model_config = _STRICT
    file: str = Field(min_length=1)
    piece: list[PieceEntry] = Field(min_length=1)
    nicknames: list[str] = Field(default_factory=list)


class CitationEntry(BaseModel):
    """A verbatim excerpt of a source that supports a fact."""

    model_config = _STRICT
    source: str = Field(min_length=1)
    excerpt: str = Field(min_length=1)
    # Whose stance this excerpt states, where a fact reports several sides' (Moscow's
    # rejection and the allies' welcome): it leads for a question about that side. Each must
    # be in the fact's `stance_of`.
    stance_of: list[Side] = Field(default_factory=list)

    _check_excerpt = field_validator("excerpt")(_not_blank)


class FactEntry(BaseModel):
    """One curated fact as written in `knowledge/facts/*.toml`."""

    model_config = _STRICT
    id: _Id
    topic: str = Field(min_length=1)
    phrasings: list[str] = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    citations: list[CitationEntry] = Field(min_length=1)
    # Whose stance or doing the fact reports, if a side's: a question about another side's
    # stance is not answered with it (see `knowledge.sides`).
    stance_of: list[Side] = Field(default_factory=list)

    _check_phrasings = field_validator("phrasings", "aliases")(_no_blank)
    _check_topic = field_validator("topic")(_not_blank)


class UnansweredEntry(BaseModel):
    """Questions the articles are known not to answer, in `knowledge/unanswered.toml`."""

    model_config = _STRICT
    id: _Id
    note: str = Field(min_length=1)
    phrasings: list[str] = Field(min_length=1)
    requires: list[str] = Field(default_factory=list)

    _check_phrasings = field_validator("phrasings", "requires")(_no_blank)
    _check_note = field_validator("note")(_not_blank)


@dataclass(frozen=True, slots=True)
class Piece:
    """A piece of writing inside a source, with its character range in the file."""

    title: str
    outlet: str
    kind: str
    start: int
    end: int
    aliases: tuple[str, ...] = ()
    # What people call the piece when they point at it ("the *allies* story"): see
    # `knowledge.index.piece_references`.
    nicknames: tuple[str, ...] = ()
    # People quoted in this piece and in no other, so that "per Petrov" points at their lines
    # in it (see `knowledge.index.Index.names_voice_of`).
    voices: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Source:
    """A loaded article file: its exact text and the pieces it holds."""

    name: str
    text: str
    pieces: tuple[Piece, ...]
    sha256: str
    # What people call the whole file ("the Russia story" for two pieces of that title), like
    # a piece's nicknames.
    nicknames: tuple[str, ...] = ()

    def piece_at(self, offset: int) -> Piece:
        """The piece that contains character `offset`."""
        for piece in self.pieces:
            if piece.start <= offset < piece.end:
                return piece
        return self.pieces[-1]


@dataclass(frozen=True, slots=True)
class Citation:
    """A verbatim excerpt located in its source (`source.text[start:end] == excerpt`)."""

    source: str
    excerpt: str
    start: int
    end: int
    stance_of: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Fact:
    """A validated curated fact."""

    id: str
    topic: str
    phrasings: tuple[str, ...]
    aliases: tuple[str, ...]
    citations: tuple[Citation, ...]
    file: str
    stance_of: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Passage:
    """A sentence of a source, searchable even when no curated fact cites it."""

    id: str
    citation: Citation


@dataclass(frozen=True, slots=True)
class Unanswered:
    """A question the articles do not answer though it sounds as if they might ("how did Trump
    react to the rejection?"): when it matches a question best, the bot declines and says why."""

    id: str
    note: str  # why the articles do not answer it, shown with the decline
    phrasings: tuple[str, ...]
    file: str
    # If any: a question must use one of these (folded) words for the entry to apply. What
    # tells "how did Trump react to the rejection?" from "did Russia reject Trump's plan?" is
    # often a word too common to weigh in the match ("react", "say").
    requires: frozenset[str] = frozenset()


class SharedVoice(NamedTuple):
    """A piece's voice that other pieces name too (see `Piece.voices`)."""

    source: str
    piece: str  # its title
    voice: str
    also_in: tuple[str, ...]  # the other files naming it


@dataclass(frozen=True, slots=True)
class FactBase:
    """Everything the answerer needs, validated and immutable once built."""

    sources: dict[str, Source]
    facts: tuple[Fact, ...]
    passages: tuple[Passage, ...]
    aliases: dict[str, tuple[str, ...]]
    fingerprint: str = ""
    uncovered: dict[str, tuple[Citation, ...]] = field(default_factory=dict)
    unanswered: tuple[Unanswered, ...] = ()
    # Voices another piece names too, so they point at neither.
    shared_voices: tuple[SharedVoice, ...] = ()
