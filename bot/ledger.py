"""Which Slack events were already handled, shared by all worker processes (adapter layer).

Slack retries an event it thinks went unanswered; any worker may receive the retry. A reply is
sent only by the request that claims the event id first (a primary key in SQLite, WAL mode).
"""

from __future__ import annotations

import logging
import sqlite3
import time
from contextlib import closing
from pathlib import Path

logger = logging.getLogger(__name__)

LEDGER_NAME = "events.sqlite3"
KEEP_SECONDS = 24 * 60 * 60  # Slack retries for minutes; a day is ample
BUSY_TIMEOUT_MS = 5000


class EventLedger:
    """`claim(event_id)` is true exactly once per event id, across threads and processes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        # closing() closes the connection; `with db` commits (a connection's own `with` does not
        # close it).
        with closing(self._connect()) as db, db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS handled_events ("
                " event_id TEXT PRIMARY KEY, claimed_at REAL NOT NULL)"
            )
            db.execute(
                "DELETE FROM handled_events WHERE claimed_at < ?", (time.time() - KEEP_SECONDS,)
            )

    def claim(self, event_id: str) -> bool:
        """Record `event_id`; true if this call was the first to do so."""
        with closing(self._connect()) as db, db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO handled_events (event_id, claimed_at) VALUES (?, ?)",
                (event_id, time.time()),
            )
            first = cursor.rowcount == 1
        if not first:
            logger.info("event %s already handled; not replying again", event_id)
        return first

    def _connect(self) -> sqlite3.Connection:
        # A connection per call: cheap, and never shared between threads or forked processes.
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000)
        db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        return db
