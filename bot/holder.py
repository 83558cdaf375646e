"""The live answerer of one process, reloadable and kept in step across processes (adapter layer).

A reload loads the whole fact base first and swaps it in under a lock only if it is valid; an
invalid one leaves the old answerer serving. After a reload, a marker file in the state dir
(written atomically) tells the other worker processes to re-read the fact base too.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from knowledge.answer import Answerer
from knowledge.models import FactBase
from knowledge.store import FactBaseError, load_fact_base

logger = logging.getLogger(__name__)

MARKER_NAME = "fact_base.json"


@dataclass(frozen=True, slots=True)
class Changes:
    """What differs between two fact bases, by source file name and fact id."""

    sources_added: tuple[str, ...] = ()
    sources_removed: tuple[str, ...] = ()
    sources_changed: tuple[str, ...] = ()
    facts_added: tuple[str, ...] = ()
    facts_removed: tuple[str, ...] = ()
    facts_changed: tuple[str, ...] = ()
    aliases_changed: bool = False

    @property
    def empty(self) -> bool:
        return not any(
            (
                self.sources_added,
                self.sources_removed,
                self.sources_changed,
                self.facts_added,
                self.facts_removed,
                self.facts_changed,
                self.aliases_changed,
            )
        )


def compare(old: FactBase, new: FactBase) -> Changes:
    """The changes that turn `old` into `new`."""
    old_facts = {f.id: f for f in old.facts}
    new_facts = {f.id: f for f in new.facts}
    return Changes(
        sources_added=tuple(n for n in new.sources if n not in old.sources),
        sources_removed=tuple(n for n in old.sources if n not in new.sources),
        sources_changed=tuple(
            n for n, s in new.sources.items() if n in old.sources and old.sources[n] != s
        ),
        facts_added=tuple(i for i in new_facts if i not in old_facts),
        facts_removed=tuple(i for i in old_facts if i not in new_facts),
        facts_changed=tuple(
            i for i, fact in new_facts.items() if i in old_facts and old_facts[i] != fact
        ),
        aliases_changed=old.aliases != new.aliases,
    )


@dataclass(frozen=True, slots=True)
class ReloadResult:
    """The outcome of a reload: the changes on success, the problems on failure."""

    ok: bool
    base: FactBase  # the fact base now serving (the old one when the reload failed)
    changes: Changes | None = None
    problems: tuple[str, ...] = ()


class AnswererHolder:
    """Holds this process's answerer; `reload` and `sync` swap it atomically.

    Readers take `holder.answerer` once per request and use that object throughout, so a swap
    never mixes two fact bases inside one reply.
    """

    def __init__(
        self, seeds_dir: Path, knowledge_dir: Path, state_dir: Path, retry_seconds: float = 5.0
    ) -> None:
        self.seeds_dir = seeds_dir
        self.knowledge_dir = knowledge_dir
        self.marker = state_dir / MARKER_NAME
        self.retry_seconds = retry_seconds
        self._lock = threading.Lock()
        self._seen: tuple[int, int, int] | None = None
        self._retry_at = 0.0  # after a failed sync, when to try loading again
        state_dir.mkdir(parents=True, exist_ok=True)
        seen = self._marker_key()
        # Raises FactBaseError: a process must not start without a valid fact base.
        self._answerer = Answerer(self._load())
        self._seen = seen
        marker = self._read_marker()
        same = marker is not None and marker.get("fingerprint") == self.base.fingerprint
        self.loaded_at = _reloaded_at(marker) if same else time.time()

    @property
    def answerer(self) -> Answerer:
        return self._answerer

    @property
    def base(self) -> FactBase:
        return self._answerer.base

    def reload(self) -> ReloadResult:
        """Re-read the fact base; swap it in and tell the other processes if it is valid."""
        with self._lock:
            old = self.base
            try:
                new = self._load()
            except FactBaseError as exc:
                logger.warning(
                    "reload refused: %d problem(s); still serving %s",
                    len(exc.problems),
                    old.fingerprint[:12],
                )
                return ReloadResult(ok=False, base=old, problems=tuple(map(str, exc.problems)))
            self._answerer = Answerer(new)
            self.loaded_at = time.time()
            self._seen = self._write_marker(new.fingerprint, self.loaded_at)
        changes = compare(old, new)
        logger.info(
            "reloaded: %s -> %s, %d facts, %d sources",
            old.fingerprint[:12],
            new.fingerprint[:12],
            len(new.facts),
            len(new.sources),
        )
        return ReloadResult(ok=True, base=new, changes=changes)

    def sync(self) -> bool:
        """Adopt another process's reload if the marker changed; cheap (one stat) otherwise.

        Returns whether the answerer was swapped. A fact base that fails to load here is logged,
        the old one keeps serving, and the load is tried again `retry_seconds` later.
        """
        key = self._marker_key()
        if key is None or key == self._seen:
            return False
        with self._lock:
            key = self._marker_key()
            if key is None or key == self._seen or time.monotonic() < self._retry_at:
                return False
            marker = self._read_marker() or {}
            if marker.get("fingerprint") == self.base.fingerprint:
                self._seen = key
                return False
            try:
                new = self._load()
            except FactBaseError as exc:
                self._retry_at = time.monotonic() + self.retry_seconds
                logger.warning(
                    "sync refused: %d problem(s); still serving %s",
                    len(exc.problems),
                    self.base.fingerprint[:12],
                )
                return False
            if new.fingerprint != marker.get("fingerprint"):
                logger.warning("sync: the files changed again since the reload; serving them")
            self._answerer = Answerer(new)
            self.loaded_at = _reloaded_at(marker)
            self._seen, self._retry_at = key, 0.0
        logger.info("synced to %s (pid %d)", new.fingerprint[:12], os.getpid())
        return True

    def _load(self) -> FactBase:
        return load_fact_base(self.seeds_dir, self.knowledge_dir)

    def _marker_key(self) -> tuple[int, int, int] | None:
        try:
            stat = self.marker.stat()
        except OSError:
            return None
        # os.replace gives every new marker a new inode, so equal keys mean the same marker.
        return (stat.st_ino, stat.st_mtime_ns, stat.st_size)

    def _read_marker(self) -> dict[str, object] | None:
        try:
            data = json.loads(self.marker.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def _write_marker(self, fingerprint: str, reloaded_at: float) -> tuple[int, int, int]:
        payload = json.dumps({"fingerprint": fingerprint, "reloaded_at": reloaded_at})
        fd, temp = tempfile.mkstemp(dir=self.marker.parent, prefix=".marker-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            stat = os.stat(temp)
            os.replace(temp, self.marker)  # atomic: readers see the old or the new marker
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        return (stat.st_ino, stat.st_mtime_ns, stat.st_size)


def _reloaded_at(marker: dict[str, object] | None) -> float:
    value = (marker or {}).get("reloaded_at")
    return float(value) if isinstance(value, int | float) else time.time()
