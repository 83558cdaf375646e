"""Loading and validating the fact base from `seeds/` and `knowledge/` (domain layer).

Everything is read and checked before anything is built: a fact base with any problem raises
`FactBaseError` listing every problem (file, entry, reason) and is never half-loaded.
"""

from __future__ import annotations

import hashlib
import logging
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from rapidfuzz import fuzz

from knowledge.models import (
    UNKNOWN_OUTLET,
    Citation,
    Fact,
    FactBase,
    FactEntry,
    Passage,
    Piece,
    SharedVoice,
    Source,
    SourceEntry,
    Unanswered,
    UnansweredEntry,
)
from knowledge.sentences import split_sentences
from knowledge.text import STOPWORDS, name_words, names, words

logger = logging.getLogger(__name__)

_Model = TypeVar("_Model", bound=BaseModel)

SOURCES_FILE = "sources.toml"
ALIASES_FILE = "aliases.toml"
FACTS_DIR = "facts"
UNANSWERED_FILE = "unanswered.toml"  # optional


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the fact base, located as precisely as possible."""

    file: str
    entry: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.entry}" if self.entry else self.file
        return f"{where}: {self.reason}"


class FactBaseError(Exception):
    """The fact base on disk is invalid; `problems` says where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"the fact base has {len(problems)} problem(s):\n{lines}")


class _Collector:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, file: str, entry: str, reason: str) -> None:
        self.problems.append(Problem(file, entry, reason))

    def validation(self, file: str, entry: str, error: ValidationError) -> None:
        for item in error.errors():
            location = ".".join(str(part) for part in item["loc"]) or "entry"
            self.add(file, entry, f"{location}: {item['msg']}")


def _read_toml(path: Path, shown: str, problems: _Collector) -> dict[str, Any] | None:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        problems.add(shown, "", "file is missing")
    except tomllib.TOMLDecodeError as exc:
        problems.add(shown, "", f"TOML syntax error: {exc}")
    except (OSError, UnicodeDecodeError) as exc:
        problems.add(shown, "", f"cannot be read ({type(exc).__name__})")
    return None


def _read_sources(seeds_dir: Path, problems: _Collector) -> dict[str, str]:
    texts: dict[str, str] = {}
    if not seeds_dir.is_dir():
        problems.add(str(seeds_dir), "", "the articles folder does not exist")
        return texts
    for path in sorted(seeds_dir.glob("*.txt")):
        shown = f"seeds/{path.name}"
        try:
            texts[path.name] = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.add(shown, "", f"not valid UTF-8 (byte {exc.start})")
        except OSError as exc:
            problems.add(shown, "", f"cannot be read ({type(exc).__name__})")
    if not texts and not problems.problems:
        problems.add("seeds/", "", "no articles (*.txt) found")
    return texts


def _default_piece(text: str) -> Piece:
    first = next((line.strip() for line in text.splitlines() if line.strip()), "untitled")
    return Piece(first[:120], UNKNOWN_OUTLET, "article", 0, len(text))


def _locate_pieces(
    name: str, text: str, entry: SourceEntry | None, index: int, problems: _Collector
) -> tuple[Piece, ...]:
    if entry is None:
        return (_default_piece(text),)
    starts: list[Piece] = []
    for number, piece in enumerate(entry.piece):
        at = _line_start(text, piece.starts_with)
        if at is None:
            problems.add(
                f"knowledge/{SOURCES_FILE}",
                f"source {index + 1} ({name}), piece {number + 1}",
                f"no line of the article starts with {piece.starts_with!r}",
            )
            continue
        starts.append(
            Piece(
                piece.title,
                piece.outlet,
                piece.kind,
                at,
                len(text),
                tuple(piece.aliases),
                tuple(piece.nicknames),
                tuple(piece.voices),
            )
        )
    if not starts:
        return ()
    starts.sort(key=lambda p: p.start)
    # Text before the first named piece still belongs somewhere: the first piece. Each piece
    # runs until the next one starts.
    starts[0] = replace(starts[0], start=0)
    ends = [p.start for p in starts[1:]] + [len(text)]
    return tuple(replace(p, end=end) for p, end in zip(starts, ends, strict=True))


def _line_start(text: str, prefix: str) -> int | None:
    offset = 0
    for line in text.splitlines(keepends=True):
        if line.startswith(prefix):
            return offset
        offset += len(line)
    return None


def _closest(excerpt: str, text: str) -> str:
    """The stretch of `text` most like `excerpt`, to help a curator spot the difference."""
    alignment = fuzz.partial_ratio_alignment(excerpt, text)
    if alignment is None or alignment.score < 60:
        return ""
    return text[alignment.dest_start : alignment.dest_end]


def _validate(
    model: type[_Model], raw: Any, file: str, entry: str, problems: _Collector
) -> _Model | None:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems.validation(file, entry, exc)
        return None


def _tables(
    raw: dict[str, Any], key: str, shown: str, problems: _Collector
) -> list[dict[str, Any]]:
    """The `[[key]]` tables of a parsed file; anything else in it is reported, not ignored."""
    for other in raw.keys() - {key}:
        problems.add(shown, "", f"unknown key {other!r} (expected [[{key}]] tables)")
    items = raw.get(key, [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        problems.add(shown, "", f"{key!r} must be [[{key}]] tables")
        return []
    return items


def _load_source_meta(
    knowledge_dir: Path, problems: _Collector
) -> dict[str, tuple[int, SourceEntry]]:
    shown = f"knowledge/{SOURCES_FILE}"
    raw = _read_toml(knowledge_dir / SOURCES_FILE, shown, problems)
    meta: dict[str, tuple[int, SourceEntry]] = {}
    if raw is None:
        return meta
    for index, item in enumerate(_tables(raw, "source", shown, problems)):
        entry = _validate(SourceEntry, item, shown, f"source {index + 1}", problems)
        if entry is None:
            continue
        if entry.file in meta:
            problems.add(shown, f"source {index + 1}", f"file {entry.file!r} is described twice")
        named = [(f"source {index + 1}", entry.nicknames)]
        named += [
            (f"source {index + 1}, piece {n + 1}", p.nicknames) for n, p in enumerate(entry.piece)
        ]
        for where, nicknames in named:
            for nickname in nicknames:
                if all(w in STOPWORDS for w in words(nickname)):
                    # "the" would make every "the story" mean this piece.
                    problems.add(shown, where, f"nickname {nickname!r} has no word of its own")
        meta[entry.file] = (index, entry)
    return meta


def _load_aliases(knowledge_dir: Path, problems: _Collector) -> dict[str, tuple[str, ...]]:
    shown = f"knowledge/{ALIASES_FILE}"
    raw = _read_toml(knowledge_dir / ALIASES_FILE, shown, problems)
    if raw is None:
        return {}
    for other in raw.keys() - {"aliases"}:
        problems.add(shown, "", f"unknown key {other!r} (expected an [aliases] table)")
    table = raw.get("aliases", {})
    if not isinstance(table, dict):
        problems.add(shown, "", "'aliases' must be a table of canonical = [variants]")
        return {}
    aliases: dict[str, tuple[str, ...]] = {}
    for canonical, variants in table.items():
        if not isinstance(variants, list) or not all(isinstance(v, str) for v in variants):
            problems.add(shown, f"alias {canonical!r}", "variants must be a list of strings")
            continue
        aliases[canonical] = tuple(variants)
    return aliases


def _load_facts(
    knowledge_dir: Path, sources: dict[str, Source], problems: _Collector
) -> list[Fact]:
    facts: list[Fact] = []
    seen: dict[str, str] = {}
    fact_files = sorted((knowledge_dir / FACTS_DIR).glob("*.toml"))
    if not fact_files:
        problems.add(f"knowledge/{FACTS_DIR}/", "", "no fact files (*.toml) found")
    for path in fact_files:
        shown = f"knowledge/{FACTS_DIR}/{path.name}"
        raw = _read_toml(path, shown, problems)
        if raw is None:
            continue
        items = _tables(raw, "fact", shown, problems)
        if not items and "fact" not in raw:
            # An empty file is almost always a bad merge or a wrong save, not an intention.
            problems.add(shown, "", "holds no [[fact]] tables")
        for number, item in enumerate(items, start=1):
            label = f"fact {item.get('id')!r} (entry {number})"
            entry = _validate(FactEntry, item, shown, label, problems)
            if entry is None:
                continue
            if entry.id in seen:
                problems.add(shown, label, f"id repeats (first used in {seen[entry.id]})")
                continue
            seen[entry.id] = shown
            citations = _locate_citations(entry, shown, label, sources, problems)
            if citations is not None:
                facts.append(
                    Fact(
                        id=entry.id,
                        topic=entry.topic,
                        phrasings=tuple(entry.phrasings),
                        aliases=tuple(entry.aliases),
                        citations=citations,
                        file=shown,
                        stance_of=frozenset(entry.stance_of),
                    )
                )
    return facts


def _load_unanswered(
    knowledge_dir: Path, fact_ids: set[str], problems: _Collector
) -> list[Unanswered]:
    path = knowledge_dir / UNANSWERED_FILE
    if not path.exists() and not path.is_symlink():
        return []  # no known gaps is a valid fact base
    shown = f"knowledge/{UNANSWERED_FILE}"
    raw = _read_toml(path, shown, problems)
    if raw is None:
        return []
    found: list[Unanswered] = []
    seen: set[str] = set()
    for number, item in enumerate(_tables(raw, "question", shown, problems), start=1):
        label = f"question {item.get('id')!r} (entry {number})"
        entry = _validate(UnansweredEntry, item, shown, label, problems)
        if entry is None:
            continue
        if entry.id in seen or entry.id in fact_ids:
            problems.add(shown, label, "id repeats (ids are shared with the facts)")
            continue
        seen.add(entry.id)
        requires = frozenset(w for r in entry.requires for w in words(r))
        found.append(Unanswered(entry.id, entry.note, tuple(entry.phrasings), shown, requires))
    return found


def _locate_citations(
    entry: FactEntry,
    shown: str,
    label: str,
    sources: dict[str, Source],
    problems: _Collector,
) -> tuple[Citation, ...] | None:
    located: list[Citation] = []
    ok = True
    for number, citation in enumerate(entry.citations, start=1):
        where = f"{label}, citation {number}"
        source = sources.get(citation.source)
        if source is None:
            known = ", ".join(sorted(sources)) or "none"
            problems.add(
                shown,
                where,
                f"unknown source {citation.source!r}: no article seeds/{citation.source} is "
                f"loaded (known: {known})",
            )
            ok = False
            continue
        start = source.text.find(citation.excerpt)
        if start >= 0 and source.text.find(citation.excerpt, start + 1) >= 0:
            problems.add(
                shown,
                where,
                f"excerpt occurs more than once in seeds/{citation.source}; quote a longer "
                "stretch so the citation points at one place",
            )
            ok = False
            continue
        if not set(citation.stance_of) <= set(entry.stance_of):
            problems.add(
                shown,
                where,
                f"stance_of names {sorted(set(citation.stance_of) - set(entry.stance_of))}, "
                "which the fact's stance_of does not",
            )
            ok = False
            continue
        if start < 0:
            hint = _closest(citation.excerpt, source.text)
            reason = f"excerpt is not verbatim in seeds/{citation.source}"
            if hint:
                reason += f"; closest text there: {hint!r}"
            problems.add(shown, where, reason)
            ok = False
            continue
        end = start + len(citation.excerpt)
        located.append(
            Citation(citation.source, citation.excerpt, start, end, frozenset(citation.stance_of))
        )
    return tuple(located) if ok else None


def input_files(seeds_dir: Path, knowledge_dir: Path) -> list[tuple[str, Path]]:
    """Every file the fact base is read from, as `(name, path)`: `seeds/*.txt`,
    `knowledge/sources.toml`, `knowledge/aliases.toml`, `knowledge/unanswered.toml` and
    `knowledge/facts/*.toml`.

    Names are relative to a `seeds/` and a `knowledge/` folder whatever the folders are called,
    so a copy of the files (a snapshot) has the same names and the same fingerprint.
    """
    files = [(f"seeds/{p.name}", p) for p in sorted(seeds_dir.glob("*.txt"))]
    for name in (SOURCES_FILE, ALIASES_FILE, UNANSWERED_FILE):
        path = knowledge_dir / name
        if path.exists() or path.is_symlink():
            files.append((f"knowledge/{name}", path))
    facts = sorted((knowledge_dir / FACTS_DIR).glob("*.toml"))
    files.extend((f"knowledge/{FACTS_DIR}/{p.name}", p) for p in facts)
    return files


def read_inputs(seeds_dir: Path, knowledge_dir: Path) -> tuple[dict[str, bytes], list[Problem]]:
    """The bytes of every input file (see `input_files`), each read once, and the files that
    could not be read (as problems naming them)."""
    problems = _Collector()
    if not seeds_dir.is_dir():
        problems.add(str(seeds_dir), "", "the articles folder does not exist")
    files: dict[str, bytes] = {}
    for name, path in input_files(seeds_dir, knowledge_dir):
        try:
            files[name] = path.read_bytes()
        except FileNotFoundError:
            continue  # removed while being read: as if it had gone a moment earlier
        except OSError as exc:
            problems.add(name, "", f"cannot be read ({type(exc).__name__})")
    return files, problems.problems


def fingerprint(files: dict[str, bytes]) -> str:
    """The fact base's identity: a hash of its input files' names and bytes."""
    digest = hashlib.sha256()
    for name in sorted(files):
        data = files[name]
        digest.update(name.encode() + b"\0" + len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def _fingerprint(seeds_dir: Path, knowledge_dir: Path) -> str:
    files = {}
    for name, path in input_files(seeds_dir, knowledge_dir):
        try:
            files[name] = path.read_bytes()
        except OSError:
            files[name] = b"<unreadable>"
    return fingerprint(files)


def _uncovered(sources: dict[str, Source], facts: list[Fact]) -> dict[str, tuple[Citation, ...]]:
    covered: dict[str, list[tuple[int, int]]] = {name: [] for name in sources}
    for fact in facts:
        for citation in fact.citations:
            covered[citation.source].append((citation.start, citation.end))
    result: dict[str, tuple[Citation, ...]] = {}
    for name, source in sources.items():
        spans = covered[name]
        result[name] = tuple(
            Citation(name, s.text, s.start, s.end)
            for s in split_sentences(source.text)
            if not any(start < s.end and s.start < end for start, end in spans)
        )
    return result


def _check_voices(
    sources: dict[str, Source], problems: _Collector
) -> tuple[dict[str, Source], tuple[SharedVoice, ...]]:
    """`sources` with each piece keeping only the voices no other piece names, and the voices
    dropped because another piece names them too. A voice that is not a name, or that its own
    piece never names, is a problem: a slip in the metadata."""
    texts = {
        (name, piece.start): words(source.text[piece.start : piece.end])
        for name, source in sources.items()
        for piece in source.pieces
    }
    kept: dict[str, Source] = {}
    shared: list[SharedVoice] = []
    for name, source in sources.items():
        pieces = []
        for piece in source.pieces:
            alone = []
            for voice in piece.voices:
                person = name_words(voice)
                found = [key for key, text in texts.items() if names(person, text)]
                if not person or (name, piece.start) not in found:
                    problems.add(
                        f"knowledge/{SOURCES_FILE}",
                        f"source {name}, piece {piece.title!r}",
                        f"voice {voice!r} "
                        + ("is no name" if not person else "is not in the piece"),
                    )
                elif len(found) > 1:
                    # Not an error: an article added later may name the same person, and must
                    # not stop the fact base loading. The name just points nowhere now.
                    others = tuple(
                        dict.fromkeys(f for f, at in found if (f, at) != (name, piece.start))
                    )
                    shared.append(SharedVoice(name, piece.title, voice, others))
                    logger.warning(
                        "voice %r of %s points nowhere: %s name it too", voice, name, others
                    )
                else:
                    alone.append(voice)
            pieces.append(replace(piece, voices=tuple(alone)))
        kept[name] = replace(source, pieces=tuple(pieces))
    return kept, tuple(shared)


def load_fact_base(seeds_dir: Path, knowledge_dir: Path) -> FactBase:
    """Read, validate and assemble the fact base; raise `FactBaseError` on any problem."""
    problems = _Collector()
    texts = _read_sources(seeds_dir, problems)
    meta = _load_source_meta(knowledge_dir, problems)
    for name in meta.keys() - texts.keys():
        index = meta[name][0]
        problems.add(
            f"knowledge/{SOURCES_FILE}",
            f"source {index + 1} ({name})",
            f"describes seeds/{name}, which does not exist",
        )
    sources: dict[str, Source] = {}
    for name, text in texts.items():
        index, entry = meta.get(name, (-1, None))
        pieces = _locate_pieces(name, text, entry, index, problems)
        if pieces:
            digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
            nicknames = tuple(entry.nicknames) if entry else ()
            sources[name] = Source(name, text, pieces, digest, nicknames)
    sources, shared_voices = _check_voices(sources, problems)
    aliases = _load_aliases(knowledge_dir, problems)
    facts = _load_facts(knowledge_dir, sources, problems)
    unanswered = _load_unanswered(knowledge_dir, {f.id for f in facts}, problems)
    if problems.problems:
        raise FactBaseError(problems.problems)

    passages = tuple(
        Passage(f"{name}#{n}", Citation(name, span.text, span.start, span.end))
        for name, source in sources.items()
        for n, span in enumerate(split_sentences(source.text), start=1)
    )
    base = FactBase(
        sources=sources,
        facts=tuple(facts),
        passages=passages,
        aliases=aliases,
        fingerprint=_fingerprint(seeds_dir, knowledge_dir),
        uncovered=_uncovered(sources, facts),
        unanswered=tuple(unanswered),
        shared_voices=shared_voices,
    )
    logger.info(
        "fact base loaded: %d sources, %d facts, %d passages",
        len(sources),
        len(facts),
        len(passages),
    )
    return base
