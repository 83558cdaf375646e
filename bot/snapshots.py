"""The last good fact base, kept in the state dir and shared by every process (adapter layer).

A reload reads the working files (`seeds/`, `knowledge/`) once, copies them into a temporary
folder in the state dir, validates that copy, and only then renames it to
`snapshots/<fingerprint>/` (atomic) and points the marker, `fact_base.json`, at it. Every process
serves what a marker names, loaded from its snapshot: exactly what was validated, even if the
working files changed again since, and what a restarted process falls back to when the working
files are broken. Reloads in different processes are serialised by an exclusive lock
(`fcntl.flock`) on `reload.lock`.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from knowledge.models import FactBase
from knowledge.store import FactBaseError, Problem, fingerprint, load_fact_base, read_inputs

logger = logging.getLogger(__name__)

MARKER_NAME = "fact_base.json"
SNAPSHOTS_DIR = "snapshots"
LOCK_NAME = "reload.lock"
KEEP_SNAPSHOTS = 5  # the newest snapshots kept (the one the marker names is always kept)
_TEMP_PREFIX = ".new-"

MarkerKey = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class Marker:
    """What the marker says every process should serve."""

    fingerprint: str
    reloaded_at: float
    key: MarkerKey  # the marker file's identity: a new marker has a new key


class SnapshotError(FactBaseError):
    """The state dir cannot hold the fact base (read-only, full, missing): the problems name the
    folder or file, and say whether the files themselves are valid."""


def _state_problem(path: Path, action: str, error: OSError) -> Problem:
    reason = error.strerror or str(error)
    return Problem(str(path), "", f"cannot {action} ({type(error).__name__}: {reason})")


class Snapshots:
    """The snapshots, the marker and the reload lock in one state dir."""

    def __init__(self, state_dir: Path, keep: int = KEEP_SNAPSHOTS) -> None:
        self.state_dir = state_dir
        self.root = state_dir / SNAPSHOTS_DIR
        self.marker = state_dir / MARKER_NAME
        self.keep = keep
        self._warned_unreadable = False

    def path(self, fingerprint: str) -> Path:
        return self.root / fingerprint

    # -- the lock --------------------------------------------------------------------------

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the reload lock: one load-snapshot-mark at a time, across processes."""
        path = self.state_dir / LOCK_NAME
        try:
            self.state_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            try:
                fd = os.open(path, os.O_RDONLY)  # a read-only state dir: flock still works
            except OSError:
                raise SnapshotError([_state_problem(path, "open the reload lock", error)]) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    # -- snapshots -------------------------------------------------------------------------

    def capture(self, seeds_dir: Path, knowledge_dir: Path) -> FactBase:
        """Validate the working files and keep them as a snapshot; hold `locked()` around it.

        Raises FactBaseError naming every problem (the files on disk are unchanged and nothing
        is kept), or SnapshotError when the state dir cannot hold the snapshot.
        """
        files, unreadable = read_inputs(seeds_dir, knowledge_dir)
        wanted = fingerprint(files)
        if not unreadable and self.path(wanted).is_dir():
            with contextlib.suppress(FactBaseError, OSError):
                base = self.load(wanted)
                with contextlib.suppress(OSError):
                    os.utime(self.path(wanted))  # recently used: pruned last
                return base
            shutil.rmtree(self.path(wanted), ignore_errors=True)  # damaged: made again below
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            temp = Path(tempfile.mkdtemp(dir=self.root, prefix=_TEMP_PREFIX))
            # mkdtemp makes it 0700: a server run as another user must read what a command-line
            # reload kept.
            os.chmod(temp, 0o755)
        except OSError as error:
            raise self._unsaved(
                error, "create a snapshot there", seeds_dir, knowledge_dir
            ) from None
        try:
            try:
                _write_files(temp, files)
            except OSError as error:
                raise self._unsaved(error, "save the snapshot", seeds_dir, knowledge_dir) from None
            try:
                base = load_fact_base(temp / "seeds", temp / "knowledge")
            except FactBaseError as exc:
                raise FactBaseError([*unreadable, *exc.problems]) from None
            if unreadable:
                raise FactBaseError(unreadable)
            try:
                os.rename(temp, self.path(base.fingerprint))
                _fsync_dir(self.root)
            except OSError as error:
                if not self.path(base.fingerprint).is_dir():
                    raise self._unsaved(
                        error, "save the snapshot", seeds_dir, knowledge_dir
                    ) from None
            return base
        finally:
            shutil.rmtree(temp, ignore_errors=True)

    def _unsaved(
        self, error: OSError, action: str, seeds_dir: Path, knowledge_dir: Path
    ) -> SnapshotError:
        state = _state_problem(self.root, action, error)
        try:
            load_fact_base(seeds_dir, knowledge_dir)
        except FactBaseError as exc:
            return SnapshotError([state, *exc.problems])
        valid = "; the files themselves are valid, but they serve only once they can be saved"
        return SnapshotError([Problem(state.file, state.entry, state.reason + valid)])

    def load(self, fingerprint: str) -> FactBase:
        """The fact base of a snapshot (raises FactBaseError if it is missing or damaged)."""
        folder = self.path(fingerprint)
        if not folder.is_dir():
            raise FactBaseError([Problem(str(folder), "", "no such snapshot")])
        base = load_fact_base(folder / "seeds", folder / "knowledge")
        if base.fingerprint != fingerprint:
            raise FactBaseError([Problem(str(folder), "", "the snapshot was changed on disk")])
        return base

    def prune(self) -> None:
        """Remove all but the newest snapshots (never the marker's) and any leftover temporary
        folders (hold `locked()`: nobody else is writing one then)."""
        marker = self.read_marker()
        try:
            entries = [p for p in self.root.iterdir() if p.is_dir()]
        except OSError:
            return
        snapshots = sorted(
            (p for p in entries if not p.name.startswith(_TEMP_PREFIX)),
            key=_mtime,
            reverse=True,
        )
        keep = {p.name for p in snapshots[: self.keep]}
        if marker is not None:
            keep.add(marker.fingerprint)
        for path in entries:
            if path.name not in keep:
                shutil.rmtree(path, ignore_errors=True)

    # -- the marker ------------------------------------------------------------------------

    def marker_key(self) -> MarkerKey | None:
        try:
            stat = self.marker.stat()
        except OSError:
            return None
        # os.replace gives every new marker a new inode, so equal keys mean the same marker.
        return (stat.st_ino, stat.st_mtime_ns, stat.st_size)

    def read_marker(self) -> Marker | None:
        key = self.marker_key()
        try:
            data = json.loads(self.marker.read_text(encoding="utf-8"))
        except PermissionError:
            if not self._warned_unreadable:  # once: this is checked twice a second
                self._warned_unreadable = True
                logger.warning(
                    "the marker %s cannot be read (permissions): reloads are not adopted",
                    self.marker,
                )
            return None
        except (OSError, ValueError):
            return None
        if key is None or not isinstance(data, dict):
            return None
        found, at = data.get("fingerprint"), data.get("reloaded_at")
        if not isinstance(found, str) or not isinstance(at, int | float):
            return None
        return Marker(found, float(at), key)

    def write_marker(self, fingerprint: str, reloaded_at: float) -> MarkerKey:
        """Point every process at the snapshot `fingerprint` (atomic; raises SnapshotError)."""
        payload = json.dumps(
            {
                "fingerprint": fingerprint,
                "snapshot": f"{SNAPSHOTS_DIR}/{fingerprint}",
                "reloaded_at": reloaded_at,
            }
        )
        temp = None
        try:
            fd, temp = tempfile.mkstemp(dir=self.state_dir, prefix=".marker-", suffix=".tmp")
            os.fchmod(fd, 0o644)  # mkstemp makes it 0600: every server must read it
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            stat = os.stat(temp)
            os.replace(temp, self.marker)  # atomic: readers see the old or the new marker
        except OSError as error:
            if temp is not None:
                Path(temp).unlink(missing_ok=True)
            raise SnapshotError([_state_problem(self.marker, "write the marker", error)]) from None
        return (stat.st_ino, stat.st_mtime_ns, stat.st_size)


def _write_files(folder: Path, files: dict[str, bytes]) -> None:
    # Readable by every user whatever the umask: servers may run as another user than a reload.
    for name, data in files.items():
        path = folder / name
        _make_dirs(folder, path.parent)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        os.fchmod(fd, 0o644)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())  # the rename below must never publish a half-written file
    for sub in ("seeds", "knowledge/facts"):
        _make_dirs(folder, folder / sub)


def _make_dirs(top: Path, path: Path) -> None:
    """`path` and its parents up to `top`, each 0755."""
    missing = []
    while path != top and not path.is_dir():
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        folder.mkdir(exist_ok=True)
        os.chmod(folder, 0o755)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return time.time()
