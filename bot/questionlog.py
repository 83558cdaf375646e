"""What people asked, whether it was answered, and how they voted, in SQLite (adapter layer).

One file in the state dir, `questions.sqlite3`, in WAL mode with a busy timeout, so every worker
process can write at once; each question is one short transaction. A write waits for a busy log
only briefly (`WRITE_BUSY_TIMEOUT_MS`): a question that cannot be logged then is not logged.
A question is stored as its normalised words (the core's folding: case, accents, quotes, Slack
markup gone), never as typed; a user id only as a salted hash. Rows older than the retention
setting are pruned when a process opens the log and daily after that. Logging is best effort:
when it fails (disk full, read-only state dir) a warning says so, without the question or the
error's text, and the answer goes out as ever.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from hashlib import sha256
from pathlib import Path

from bot.config import Settings
from knowledge.answer import Answer
from knowledge.gaps import Asked, Gap, group_gaps
from knowledge.text import words

logger = logging.getLogger(__name__)

LOG_NAME = "questions.sqlite3"
SALT_NAME = "questions.salt"
BUSY_TIMEOUT_MS = 5000  # reading: gaps and stats wait for a busy log
# Writing happens before a reply goes out (a slash answer must be acknowledged within Slack's
# 3 seconds), so a log another connection holds locked is given up on quickly: the question
# goes unlogged (a warning says so) and the answer goes out.
WRITE_BUSY_TIMEOUT_MS = 150
MAX_TEXT = 500  # characters of normalised text kept per question
DAY = 24 * 60 * 60
WARN_EVERY = 60.0  # seconds between two warnings that logging fails
VOTES = ("up", "down")

SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY,
    asked_at REAL NOT NULL,      -- Unix time
    text TEXT NOT NULL,          -- the normalised words of the question
    answered INTEGER NOT NULL,   -- 1 answered, 0 declined
    score REAL NOT NULL,
    match TEXT,                  -- the fact id or passage id (file#sentence) that answered
    match_kind TEXT,             -- 'fact' or 'passage'
    surface TEXT NOT NULL,       -- slash, mention, dm, suggestion or shell
    user_hash TEXT,              -- HMAC-SHA256 of the user id with the salt, or NULL
    feedback TEXT,               -- 'up' or 'down' from the buttons, the last vote
    feedback_at REAL
);
CREATE INDEX IF NOT EXISTS questions_asked_at ON questions (asked_at);
"""


class QuestionLogError(Exception):
    """The question log cannot be read; the message names the file and the reason."""


def normalise(question: str) -> str:
    """The question as it is stored and grouped: its folded words, space-separated."""
    return " ".join(words(question))[:MAX_TEXT]


@dataclass(frozen=True, slots=True)
class Day:
    day: str  # YYYY-MM-DD, UTC
    asked: int
    answered: int


@dataclass(frozen=True, slots=True)
class Stats:
    """The question log's numbers for the last `days` days."""

    days: int
    asked: int = 0
    answered: int = 0
    up: int = 0
    down: int = 0
    askers: int = 0  # distinct user hashes
    per_day: tuple[Day, ...] = ()
    top_facts: tuple[tuple[str, int], ...] = ()
    by_passage: int = 0  # answered by an article sentence no fact covers
    surfaces: tuple[tuple[str, int], ...] = ()

    @property
    def answer_rate(self) -> float:
        return self.answered / self.asked if self.asked else 0.0


@dataclass
class _Connection:
    pid: int
    db: sqlite3.Connection


@dataclass
class QuestionLog:
    """The question log of one state dir; safe to share between threads and processes."""

    path: Path
    retention_days: int = 90
    enabled: bool = True
    salt: str | None = None  # None: generated once into the state dir
    clock: Callable[[], float] = time.time
    _local: threading.local = field(default_factory=threading.local, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _ready: bool = field(default=False, repr=False)
    _next_prune: float = field(default=0.0, repr=False)
    _warned_at: float = field(default=-WARN_EVERY, repr=False)

    # -- writing ---------------------------------------------------------------------------

    def record(
        self, question: str, answer: Answer, surface: str, user_id: str | None = None
    ) -> int | None:
        """Log one question; its row id (for the feedback buttons), or None if not logged."""
        if not self.enabled:
            return None
        text = normalise(question)
        if not text:
            return None
        kind = None
        if answer.answered and answer.match:
            kind = "passage" if "#" in answer.match else "fact"
        try:
            db = self._writer()
            user_hash = self._hash(user_id) if user_id else None
            cursor = db.execute(
                "INSERT INTO questions (asked_at, text, answered, score, match, match_kind,"
                " surface, user_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    self.clock(),
                    text,
                    int(answer.answered),
                    round(answer.score, 2),
                    answer.match if answer.answered else None,
                    kind,
                    surface,
                    user_hash,
                ),
            )
            self._maybe_prune()
        except (sqlite3.Error, OSError) as error:
            self._failed("question not logged", error)
            return None
        return cursor.lastrowid

    def vote(self, row_id: int, vote: str) -> bool:
        """Record a 👍/👎 on a logged question (the last vote counts); whether it was stored."""
        if not self.enabled or vote not in VOTES:
            return False
        try:
            cursor = self._writer().execute(
                "UPDATE questions SET feedback = ?, feedback_at = ? WHERE id = ?",
                (vote, self.clock(), row_id),
            )
        except (sqlite3.Error, OSError) as error:
            self._failed("vote not logged", error)
            return False
        return cursor.rowcount == 1

    def prune(self) -> int:
        """Delete the rows older than the retention period; how many went."""
        db = self._writer()
        cursor = db.execute(
            "DELETE FROM questions WHERE asked_at < ?", (self.clock() - self.retention_days * DAY,)
        )
        self._next_prune = self.clock() + DAY
        return cursor.rowcount

    def _maybe_prune(self) -> None:
        if self.clock() >= self._next_prune:
            removed = self.prune()
            if removed:
                logger.info("question log: pruned %d old row(s)", removed)

    def _writer(self) -> sqlite3.Connection:
        # One connection per thread and process: never shared across threads or a fork.
        held: _Connection | None = getattr(self._local, "connection", None)
        if held is not None and held.pid == os.getpid():
            return held.db
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            # It holds what people asked: owner only, whatever the umask (SQLite gives the -wal
            # and -shm files the database file's permissions).
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
            os.chmod(self.path, 0o600)
        db = sqlite3.connect(self.path, timeout=WRITE_BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        try:
            db.execute(f"PRAGMA busy_timeout={WRITE_BUSY_TIMEOUT_MS}")
            if not self._ready:
                _use_wal(db, deadline=time.monotonic() + WRITE_BUSY_TIMEOUT_MS / 1000)
                db.executescript(SCHEMA)
            db.execute("PRAGMA synchronous=NORMAL")  # WAL: durable across process crashes
        except BaseException:
            db.close()
            raise
        self._local.connection = _Connection(os.getpid(), db)
        if not self._ready:
            self._ready = True
            self.prune()
        return db

    def _hash(self, user_id: str) -> str:
        key = (self.salt or self._stored_salt()).encode("utf-8")
        return hmac.new(key, user_id.encode("utf-8"), sha256).hexdigest()[:32]

    def _stored_salt(self) -> str:
        with self._lock:
            if self.salt is None:
                self.salt = _read_or_create_salt(self.path.parent / SALT_NAME)
            return self.salt

    def _failed(self, what: str, error: BaseException) -> None:
        self.close()  # a fresh connection (and schema check) next time
        self._ready = False
        now = time.monotonic()
        if now - self._warned_at >= WARN_EVERY:
            self._warned_at = now
            code = getattr(error, "sqlite_errorname", None) or type(error).__name__
            # The error's text is left out: it may quote the question.
            logger.warning("%s: %s at %s (answering goes on)", what, code, self.path)

    def close(self) -> None:
        held: _Connection | None = getattr(self._local, "connection", None)
        if held is not None and held.pid == os.getpid():
            with contextlib.suppress(sqlite3.Error):
                held.db.close()
        self._local.connection = None

    # -- reading ---------------------------------------------------------------------------

    def _reader(self) -> sqlite3.Connection | None:
        if not self.path.exists():
            return None
        try:
            db = sqlite3.connect(
                f"file:{self.path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000
            )
            db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            db.execute("SELECT 1 FROM questions LIMIT 1")
        except sqlite3.Error as error:
            code = getattr(error, "sqlite_errorname", None) or type(error).__name__
            raise QuestionLogError(f"{self.path}: cannot be read ({code})") from None
        return db

    def gaps(self, days: int = 30, limit: int = 10) -> list[Gap]:
        """The most frequent questions of the last `days` days that were declined or voted
        down, grouped so that repeats are one line (raises QuestionLogError)."""
        db = self._reader()
        if db is None:
            return []
        since = self.clock() - days * DAY
        with closing(db):
            rows = db.execute(
                "SELECT text, answered, feedback, asked_at FROM questions"
                " WHERE asked_at >= ? AND (answered = 0 OR feedback = 'down')",
                (since,),
            ).fetchall()
        asked = [Asked(text, not answered, vote == "down", at) for text, answered, vote, at in rows]
        return group_gaps(asked)[:limit]

    def stats(self, days: int = 30) -> Stats:
        """Questions per day, answer rate, votes and the facts that answer most (raises
        QuestionLogError)."""
        db = self._reader()
        if db is None:
            return Stats(days=days)
        since = self.clock() - days * DAY
        with closing(db):
            asked, answered, up, down, askers = db.execute(
                "SELECT COUNT(*), COALESCE(SUM(answered), 0),"
                " COALESCE(SUM(feedback = 'up'), 0), COALESCE(SUM(feedback = 'down'), 0),"
                " COUNT(DISTINCT user_hash) FROM questions WHERE asked_at >= ?",
                (since,),
            ).fetchone()
            per_day = db.execute(
                "SELECT date(asked_at, 'unixepoch') AS day, COUNT(*), SUM(answered)"
                " FROM questions WHERE asked_at >= ? GROUP BY day ORDER BY day",
                (since,),
            ).fetchall()
            top = db.execute(
                "SELECT match, COUNT(*) AS n FROM questions"
                " WHERE asked_at >= ? AND match_kind = 'fact'"
                " GROUP BY match ORDER BY n DESC, match LIMIT 10",
                (since,),
            ).fetchall()
            (by_passage,) = db.execute(
                "SELECT COUNT(*) FROM questions WHERE asked_at >= ? AND match_kind = 'passage'",
                (since,),
            ).fetchone()
            surfaces = db.execute(
                "SELECT surface, COUNT(*) AS n FROM questions WHERE asked_at >= ?"
                " GROUP BY surface ORDER BY n DESC, surface",
                (since,),
            ).fetchall()
        return Stats(
            days=days,
            asked=asked,
            answered=answered,
            up=up,
            down=down,
            askers=askers,
            per_day=tuple(Day(d, n, a) for d, n, a in per_day),
            top_facts=tuple((m, n) for m, n in top),
            by_passage=by_passage,
            surfaces=tuple((s, n) for s, n in surfaces),
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> QuestionLog:
        salt = settings.log_salt.get_secret_value() if settings.log_salt else None
        return cls(
            path=settings.state_dir / LOG_NAME,
            retention_days=settings.log_retention_days,
            enabled=settings.log_questions,
            salt=salt or None,
        )

    def count(self) -> int:
        """How many questions the log holds (0 when there is no log yet)."""
        db = self._reader()
        if db is None:
            return 0
        with closing(db):
            return db.execute("SELECT COUNT(*) FROM questions").fetchone()[0]


def _use_wal(db: sqlite3.Connection, deadline: float) -> None:
    """Switch the log to WAL mode (it stays so), waiting until `deadline` for other processes.

    SQLite answers SQLITE_BUSY at once, without its busy handler, while another connection is
    switching a new file: several workers starting on a fresh state dir did lose their first
    question to it. So the switch is retried here, as briefly as any write waits.
    """
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            busy = getattr(error, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_BUSY
            if not busy or time.monotonic() >= deadline:
                raise
        time.sleep(0.002)


def _read_or_create_salt(path: Path) -> str:
    """The salt in `path`, created once (readable by the owner only) if there is none."""
    with contextlib.suppress(FileNotFoundError):
        return path.read_text(encoding="utf-8").strip()
    # Written whole under a temporary name, then linked into place: another process racing to
    # create it either wins (and this one reads its salt) or loses; nobody reads half a salt.
    temp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_hex(32))
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    return path.read_text(encoding="utf-8").strip()
