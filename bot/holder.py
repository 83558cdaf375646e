"""The live answerer of one process, reloadable and kept in step across processes (adapter layer).

A reload validates the working files and keeps them as a snapshot in the state dir
(`bot.snapshots`), then points the marker at it and swaps the new answerer in; an invalid fact
base leaves the old answerer serving. Every other process adopts the snapshot the marker names
within `POLL_SECONDS`, by a background poll (never inside a request: loading takes time). A process
that starts with broken working files serves the last good snapshot instead.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bot.snapshots import KEEP_SNAPSHOTS, Marker, MarkerKey, SnapshotError, Snapshots
from knowledge.answer import Answerer
from knowledge.index_cache import load_index
from knowledge.models import FactBase
from knowledge.store import FactBaseError, load_fact_base

# Cached indexes, keyed by fact base and code (knowledge.index_cache), inside the state folder.
INDEX_DIR = "index"

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.5  # how often an idle process looks at the marker


@dataclass(frozen=True, slots=True)
class Changes:
    """What differs between two fact bases, by source file name, fact id and the id of a known
    unanswered question."""

    sources_added: tuple[str, ...] = ()
    sources_removed: tuple[str, ...] = ()
    sources_changed: tuple[str, ...] = ()
    facts_added: tuple[str, ...] = ()
    facts_removed: tuple[str, ...] = ()
    facts_changed: tuple[str, ...] = ()
    aliases_changed: bool = False
    unanswered_added: tuple[str, ...] = ()
    unanswered_removed: tuple[str, ...] = ()
    unanswered_changed: tuple[str, ...] = ()

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
                self.unanswered_added,
                self.unanswered_removed,
                self.unanswered_changed,
            )
        )


def compare(old: FactBase | None, new: FactBase) -> Changes:
    """The changes that turn `old` into `new` (everything is added when there was no `old`)."""
    if old is None:
        old = FactBase(sources={}, facts=(), passages=(), aliases={})
    old_facts = {f.id: f for f in old.facts}
    new_facts = {f.id: f for f in new.facts}
    old_gaps = {u.id: u for u in old.unanswered}
    new_gaps = {u.id: u for u in new.unanswered}
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
        aliases_changed=bool(old.aliases or old.sources) and old.aliases != new.aliases,
        unanswered_added=tuple(i for i in new_gaps if i not in old_gaps),
        unanswered_removed=tuple(i for i in old_gaps if i not in new_gaps),
        unanswered_changed=tuple(
            i for i, gap in new_gaps.items() if i in old_gaps and old_gaps[i] != gap
        ),
    )


@dataclass(frozen=True, slots=True)
class ReloadResult:
    """The outcome of a reload: the changes on success, the problems on failure."""

    ok: bool
    base: FactBase | None  # the fact base now serving (the old one when the reload failed)
    changes: Changes | None = None
    problems: tuple[str, ...] = ()


def change_items(changes: Changes) -> list[tuple[str, tuple[str, ...]]]:
    """What changed as (label, ids) pairs in a fixed order, for every surface to render its own
    way; a changed alias table is ("aliases changed", ()). Empty when nothing changed."""
    items = [
        ("sources added", changes.sources_added),
        ("sources removed", changes.sources_removed),
        ("sources changed", changes.sources_changed),
        ("facts added", changes.facts_added),
        ("facts removed", changes.facts_removed),
        ("facts changed", changes.facts_changed),
        ("known unanswered questions added", changes.unanswered_added),
        ("known unanswered questions removed", changes.unanswered_removed),
        ("known unanswered questions changed", changes.unanswered_changed),
    ]
    found = [(label, ids) for label, ids in items if ids]
    if changes.aliases_changed:
        found.append(("aliases changed", ()))
    return found


@dataclass(frozen=True, slots=True)
class Published:
    """What `publish` did: the fact base now named by the marker, and the one named before."""

    base: FactBase
    marker: Marker
    previous: FactBase | None  # None: there was no marker, or its snapshot does not load


def _named(
    snapshots: Snapshots, marker: Marker | None, serving: FactBase | None
) -> FactBase | None:
    if marker is None:
        return None
    if serving is not None and serving.fingerprint == marker.fingerprint:
        return serving  # already loaded: no need to read the snapshot again
    try:
        return snapshots.load(marker.fingerprint)
    except FactBaseError:
        logger.warning("the marker names a snapshot that does not load; comparing with none")
        return None


def publish(
    snapshots: Snapshots, seeds_dir: Path, knowledge_dir: Path, serving: FactBase | None = None
) -> Published:
    """Validate the working files, keep them as a snapshot and point the marker at it, all under
    the reload lock; the new fact base, the marker naming it, and the fact base the marker named
    before, read under the same lock so that two reloads never report the same change (raises
    FactBaseError, and then nothing changed). `serving`, if it is what the marker named, spares
    loading that again."""
    with snapshots.locked():
        before = snapshots.read_marker()
        base = snapshots.capture(seeds_dir, knowledge_dir)
        previous = _named(snapshots, before, serving)
        if before is not None and before.fingerprint == base.fingerprint:
            return Published(base, before, previous)  # already what every process serves
        published = time.time()
        key = snapshots.write_marker(base.fingerprint, published)
        snapshots.prune()
    return Published(base, Marker(base.fingerprint, published, key), previous)


def reload_with(
    snapshots: Snapshots, seeds_dir: Path, knowledge_dir: Path, serving: FactBase | None = None
) -> tuple[ReloadResult, Published | None]:
    """Publish the working files and say what changed against what the marker named before (the
    outcome, and what was published, None if the files were refused)."""
    try:
        published = publish(snapshots, seeds_dir, knowledge_dir, serving)
    except FactBaseError as exc:
        problems = tuple(map(str, exc.problems))
        return ReloadResult(ok=False, base=serving, problems=problems), None
    changes = compare(published.previous, published.base)
    return ReloadResult(ok=True, base=published.base, changes=changes), published


def reload_files(seeds_dir: Path, knowledge_dir: Path, state_dir: Path) -> ReloadResult:
    """`python -m bot reload`: what a reload in a server does, for every process that shares
    `state_dir` (they adopt it through the marker). Changes are against what the marker named."""
    snapshots = Snapshots(state_dir)
    result, _ = reload_with(snapshots, seeds_dir, knowledge_dir)
    if not result.ok:  # nothing changed: say what the servers keep serving
        serving = _named(snapshots, snapshots.read_marker(), None)
        return ReloadResult(ok=False, base=serving, problems=result.problems)
    return result


class AnswererHolder:
    """Holds this process's answerer; `reload` and `sync` swap it atomically.

    Readers take `holder.answerer` once per request and use that object throughout, so a swap
    never mixes two fact bases inside one reply.
    """

    def __init__(
        self,
        seeds_dir: Path,
        knowledge_dir: Path,
        state_dir: Path,
        retry_seconds: float = 5.0,
        *,
        resume: bool = False,
        keep_snapshots: int = KEEP_SNAPSHOTS,
    ) -> None:
        """Load the fact base: the working files (kept as the last good snapshot), or, when they
        are broken, the last good snapshot. With `resume` (a worker restarted inside a running
        server), the snapshot the marker names comes first, so all workers serve the same.
        Raises FactBaseError only when there is nothing valid to serve."""
        self.seeds_dir = seeds_dir
        self.knowledge_dir = knowledge_dir
        self.snapshots = Snapshots(state_dir, keep_snapshots)
        self._index_dir = state_dir / INDEX_DIR
        self.retry_seconds = retry_seconds
        # What is wrong with the working files while this process serves the last good snapshot.
        self.problems: tuple[str, ...] = ()
        self._lock = threading.Lock()
        self._retry_at = 0.0  # after a failed sync, when to try loading again
        self._stop = threading.Event()
        self._poller: threading.Thread | None = None
        base, self._seen, self.loaded_at = self._start(resume)
        self._answerer = self._answerer_for(base)

    def _answerer_for(self, base: FactBase) -> Answerer:
        # A fact base this server has indexed before (a restart, another worker adopting a
        # reload) is read back from the index cache instead of being indexed again.
        return Answerer(base, load_index(base, self._index_dir))

    @property
    def answerer(self) -> Answerer:
        return self._answerer

    @property
    def base(self) -> FactBase:
        return self._answerer.base

    def _start(self, resume: bool) -> tuple[FactBase, MarkerKey | None, float]:
        marker = self.snapshots.read_marker()
        if resume and marker is not None:
            try:
                base = self.snapshots.load(marker.fingerprint)
            except FactBaseError:
                logger.warning("the marker's snapshot does not load; loading the files instead")
            else:
                logger.info("serving the server's fact base %s", base.fingerprint[:12])
                try:  # what is wrong on disk, if anything, for the admins to see
                    load_fact_base(self.seeds_dir, self.knowledge_dir)
                except FactBaseError as exc:
                    self.problems = tuple(map(str, exc.problems))
                return base, marker.key, marker.reloaded_at
        try:
            published = publish(self.snapshots, self.seeds_dir, self.knowledge_dir)
        except FactBaseError as exc:
            error = exc
        else:
            return published.base, published.marker.key, published.marker.reloaded_at
        marker = self.snapshots.read_marker()
        last_good = None
        if marker is not None:
            try:
                last_good = self.snapshots.load(marker.fingerprint)
            except FactBaseError:
                logger.error("the marker's snapshot %s does not load", marker.fingerprint[:12])
        if marker is not None and last_good is not None:
            self.problems = tuple(map(str, error.problems))
            logger.error(
                "the files on disk cannot serve (%d problem(s)); serving the last good fact "
                "base, %s:",
                len(error.problems),
                last_good.fingerprint[:12],
            )
            for problem in self.problems:
                logger.error("  %s", problem)
            return last_good, marker.key, marker.reloaded_at
        if isinstance(error, SnapshotError):
            # The state dir cannot hold a snapshot and there is none: the files, if valid.
            base = load_fact_base(self.seeds_dir, self.knowledge_dir)
            logger.warning("serving the files without a snapshot: %s", error.problems[0])
            return base, None, time.time()
        raise error

    def reload(self) -> ReloadResult:
        """Re-read the working files; if valid, swap them in here and tell every process. What
        changed is against what the marker named (what every process serves)."""
        with self._lock:
            old = self.base
            result, published = reload_with(
                self.snapshots, self.seeds_dir, self.knowledge_dir, serving=old
            )
            if published is None:
                logger.warning(
                    "reload refused: %d problem(s); still serving %s",
                    len(result.problems),
                    old.fingerprint[:12],
                )
                return result
            new, marker = published.base, published.marker
            if new.fingerprint != old.fingerprint:
                self._answerer = self._answerer_for(new)
            self.loaded_at, self.problems = marker.reloaded_at, ()
            self._seen, self._retry_at = marker.key, 0.0
        logger.info(
            "reloaded: %s -> %s, %d facts, %d sources",
            old.fingerprint[:12],
            new.fingerprint[:12],
            len(new.facts),
            len(new.sources),
        )
        return result

    def sync(self) -> bool:
        """Adopt the snapshot the marker names if it changed; cheap (one stat) otherwise.

        Returns whether the answerer was swapped. Never waits: while another thread of this
        process is syncing or reloading, requests go on with the answerer they have. A snapshot
        that fails to load is logged, the old answerer keeps serving, and the load is tried
        again `retry_seconds` later.
        """
        key = self.snapshots.marker_key()
        if key is None or key == self._seen:
            return False
        if not self._lock.acquire(blocking=False):
            return False
        try:
            if time.monotonic() < self._retry_at:
                return False
            marker = self.snapshots.read_marker()
            if marker is None or marker.key == self._seen:
                return False
            if marker.fingerprint == self.base.fingerprint:
                self._seen = marker.key
                return False
            try:
                answerer = self._answerer_for(self.snapshots.load(marker.fingerprint))
            except FactBaseError as exc:
                self._retry_at = time.monotonic() + self.retry_seconds
                logger.warning(
                    "sync to %s failed (%s); still serving %s",
                    marker.fingerprint[:12],
                    exc.problems[0] if exc.problems else "?",
                    self.base.fingerprint[:12],
                )
                return False
            self._answerer = answerer
            self.loaded_at, self.problems = marker.reloaded_at, ()
            self._seen, self._retry_at = marker.key, 0.0
        finally:
            self._lock.release()
        logger.info("synced to %s (pid %d)", marker.fingerprint[:12], os.getpid())
        return True

    def start_polling(self, interval: float = POLL_SECONDS) -> None:
        """Look at the marker every `interval` seconds in a daemon thread, so an idle process
        adopts a reload too (call it in the process that serves, after any fork)."""
        if self._poller is not None and self._poller.is_alive():
            return
        self._stop.clear()

        def poll() -> None:
            while not self._stop.wait(interval):
                try:
                    self.sync()
                except Exception as error:  # the poll must outlive any one failure
                    logger.error("fact base poll failed: %s", type(error).__name__)

        self._poller = threading.Thread(target=poll, name="fact-base-poll", daemon=True)
        self._poller.start()

    def stop_polling(self) -> None:
        self._stop.set()
        if self._poller is not None:
            self._poller.join(timeout=5)
            self._poller = None
