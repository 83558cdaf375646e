"""Built indexes kept on disk, keyed by what they are built from (domain layer: stdlib only).

Building the index of a large fact base takes seconds to a minute; reading it back takes a
fraction of that. A cached index is used only if it was built from the same fact base (its
fingerprint, a hash of every input file) by the same code (a hash of the `knowledge` modules'
source) under the same Python; anything else rebuilds it and replaces the file. Files are
written to a temporary name and renamed (atomic), and hold only plain data read with
`marshal`: loading one runs no code. Put the folder on local disk that only the bot writes.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import sys
import tempfile
import time
from array import array
from pathlib import Path
from typing import Any

from knowledge.index import Index
from knowledge.models import FactBase

logger = logging.getLogger(__name__)

FORMAT = 1
KEEP = 3  # cached indexes kept in a folder, newest first
# The modules whose code decides what an index holds (the fact base's own code included: the
# fingerprint covers the input files, not how they are read).
_SOURCES = (
    "index.py",
    "postings.py",
    "tokens.py",
    "vocabulary.py",
    "text.py",
    "models.py",
    "store.py",
    "sentences.py",
)


def code_version() -> str:
    """A hash of the code that builds an index, and of the Python that stores it."""
    digest = hashlib.sha256(f"{FORMAT} {sys.version} {marshal.version}".encode())
    folder = Path(__file__).resolve().parent
    for name in _SOURCES:
        path = folder / name
        digest.update(name.encode())
        digest.update(path.read_bytes() if path.exists() else b"-")
    return digest.hexdigest()


def cache_path(base: FactBase, folder: Path) -> Path | None:
    """Where the index of `base` is cached in `folder` (None: a base without a fingerprint)."""
    if not base.fingerprint:
        return None
    key = hashlib.sha256(f"{base.fingerprint} {code_version()}".encode()).hexdigest()
    return folder / f"index-{key[:32]}.bin"


def load_index(base: FactBase, folder: Path) -> Index:
    """The index of `base`: read from `folder` if cached there, else built and cached.

    A cache that cannot be read or written is logged and skipped: the index is still built.
    """
    path = cache_path(base, folder)
    if path is None:
        return Index(base)
    began = time.perf_counter()
    try:
        state = _read(path, _keys_digest(base))
    except FileNotFoundError:
        state = None
    except (OSError, EOFError, ValueError, TypeError, KeyError) as error:
        logger.warning("index cache unreadable (%s); rebuilding", type(error).__name__)
        state = None
    if state is not None:
        index = Index(base, _state=state)
        logger.info("index read from cache in %.2f s", time.perf_counter() - began)
        return index
    index = Index(base)
    logger.info("index built in %.2f s", time.perf_counter() - began)
    save_index(base, index, folder)
    return index


def save_index(base: FactBase, index: Index, folder: Path) -> None:
    """Cache `index` (built from `base`) in `folder`; a failure is logged, not raised."""
    path = cache_path(base, folder)
    if path is None:
        return
    try:
        _write(path, index._state, _keys_digest(base))
        _prune(folder, keep=path)
    except OSError as error:
        logger.warning("index cache not written (%s)", type(error).__name__)


def _keys_digest(base: FactBase) -> str:
    keys = [f.id for f in base.facts] + [p.id for p in base.passages]
    return hashlib.sha256("\n".join(keys).encode()).hexdigest()


def _pack(value: Any) -> Any:
    if isinstance(value, array):
        return ("array", value.typecode, value.tobytes())
    if isinstance(value, list):
        return [_pack(v) for v in value]
    if isinstance(value, tuple):
        return ("tuple", [_pack(v) for v in value])
    return value


def _unpack(value: Any) -> Any:
    if isinstance(value, tuple) and value and value[0] == "array":
        unpacked = array(value[1])
        unpacked.frombytes(value[2])
        return unpacked
    if isinstance(value, tuple) and value and value[0] == "tuple":
        return tuple(_unpack(v) for v in value[1])
    if isinstance(value, list):
        return [_unpack(v) for v in value]
    return value


def _write(path: Path, state: dict[str, Any], keys: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".index-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            marshal.dump((FORMAT, keys, sorted(state)), handle)
            # One record per field, so that reading back never holds two copies of everything.
            for name in sorted(state):
                marshal.dump(_pack(state[name]), handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _read(path: Path, keys: str) -> dict[str, Any] | None:
    with path.open("rb") as handle:
        version, stored_keys, names = marshal.load(handle)
        if version != FORMAT or stored_keys != keys:
            return None  # another fact base with the same fingerprint: rebuild
        return {name: _unpack(marshal.load(handle)) for name in names}


def _prune(folder: Path, keep: Path) -> None:
    """Remove all but the newest few cached indexes (a rollback may want the one before)."""
    others = [p for p in folder.glob("index-*.bin") if p != keep]
    others.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    for other in others[KEEP - 1 :]:
        other.unlink(missing_ok=True)
