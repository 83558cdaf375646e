"""Bad input and faults: each gives a clear error naming the file, the old fact base keeps
serving, and every logged question is kept.

Broken fact files are tested in-process. A full disk and a read-only state folder are real
conditions in a child process: a file-size limit (RLIMIT_FSIZE, what a full disk looks like to
a writer: every write past it fails) and, where the kernel allows it, a read-only bind mount in
a private mount namespace.
"""

from __future__ import annotations

import json
import resource
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.holder import AnswererHolder
from bot.questionlog import LOG_NAME, QuestionLog
from tests.conftest import NEW_FACT, ROOT, Workspace


def syntax_error(seeds: Path, knowledge: Path) -> None:
    (knowledge / "facts" / "zz_new.toml").write_text(
        NEW_FACT.replace('topic = "Added', "topic = Added"), encoding="utf-8"
    )


def not_verbatim(seeds: Path, knowledge: Path) -> None:
    (knowledge / "facts" / "zz_new.toml").write_text(
        NEW_FACT.replace("firmly rejected", "rejected"), encoding="utf-8"
    )


def missing_article(seeds: Path, knowledge: Path) -> None:
    (seeds / "002_f5c7fe294e905a4b.txt").unlink()


def fact_file_is_a_folder(seeds: Path, knowledge: Path) -> None:
    (knowledge / "facts" / "zz_new.toml").mkdir()


def article_is_a_folder(seeds: Path, knowledge: Path) -> None:
    (seeds / "010_new.txt").mkdir()


def article_not_utf8(seeds: Path, knowledge: Path) -> None:
    (seeds / "010_new.txt").write_bytes("Caf\xe9 talks resume".encode("latin-1"))


@pytest.mark.parametrize(
    ("break_it", "expected"),
    [
        (syntax_error, "knowledge/facts/zz_new.toml: TOML syntax error: Invalid value (at line 4"),
        (not_verbatim, "knowledge/facts/zz_new.toml: fact 'test-new-fact' (entry 1), citation 1:"),
        (missing_article, "unknown source '002_f5c7fe294e905a4b.txt'"),
        (fact_file_is_a_folder, "knowledge/facts/zz_new.toml: cannot be read (IsADirectoryError)"),
        (article_is_a_folder, "seeds/010_new.txt: cannot be read (IsADirectoryError)"),
        (article_not_utf8, "seeds/010_new.txt: not valid UTF-8 (byte 3)"),
    ],
)
def test_a_bad_file_is_named_and_the_old_fact_base_and_the_log_are_kept(
    workspace: Workspace,
    tmp_path: Path,
    break_it: Callable[[Path, Path], None],
    expected: str,
) -> None:
    state = tmp_path / "state"
    holder = AnswererHolder(*workspace, state)
    log = QuestionLog(state / LOG_NAME)
    for question in ("nato 20 years", "who rejected the plan?", "bitcoin price"):
        log.record(question, holder.answerer.answer(question), "slash", "U1")
    old = holder.base
    break_it(*workspace)
    result = holder.reload()
    assert not result.ok
    assert any(expected in problem for problem in result.problems), result.problems
    assert holder.base is old and holder.answerer.answer("nato 20 years").answered
    assert log.count() == 3
    assert log.record("nato 20 years", holder.answerer.answer("nato 20 years"), "slash") == 4
    restarted = AnswererHolder(*workspace, state)  # a restart serves the last good one
    assert restarted.base.fingerprint == old.fingerprint
    assert any(expected in problem for problem in restarted.problems)


def test_a_state_folder_that_cannot_exist_is_named_and_the_files_still_serve(
    workspace: Workspace, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    state = blocker / "state"
    holder = AnswererHolder(*workspace, state)  # no snapshot possible, none to fall back on
    assert holder.answerer.answer("nato 20 years").answered
    (workspace[1] / "facts" / "zz_new.toml").write_text(NEW_FACT, encoding="utf-8")
    result = holder.reload()
    assert not result.ok and result.base is holder.base
    assert result.problems[0].startswith(f"{state}/reload.lock: cannot open the reload lock")
    assert "NotADirectoryError" in result.problems[0]
    log = QuestionLog(state / LOG_NAME)
    assert log.record("nato", holder.answerer.answer("nato"), "slash") is None


# -- a full disk and a read-only state folder, for real, in a child process --------------------

CHILD = """
import json, logging, sys
from pathlib import Path
from bot.holder import AnswererHolder
from bot.questionlog import QuestionLog
logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
seeds, knowledge, state = map(Path, sys.argv[1:4])
holder = AnswererHolder(seeds, knowledge, state)  # the files changed: a snapshot is needed
log = QuestionLog(state / "questions.sqlite3")
answer = holder.answerer.answer("nato 20 years")
logged = log.record("nato 20 years", answer, "slash", "U1")
result = holder.reload()
print(json.dumps({
    "start_problems": list(holder.problems),
    "fingerprint": holder.base.fingerprint,
    "answered": answer.answered,
    "logged": logged,
    "reload_ok": result.ok,
    "problems": list(result.problems),
}))
"""


def _prepared(workspace: Workspace, tmp_path: Path) -> tuple[Path, str]:
    """A state folder with a last good fact base and three logged questions, then a valid edit
    on disk that a process would need to snapshot."""
    state = tmp_path / "state"
    holder = AnswererHolder(*workspace, state)
    log = QuestionLog(state / LOG_NAME)
    for question in ("nato 20 years", "who rejected the plan?", "bitcoin price"):
        log.record(question, holder.answerer.answer(question), "slash", "U1")
    log.close()
    (workspace[1] / "facts" / "zz_new.toml").write_text(NEW_FACT, encoding="utf-8")
    return state, holder.base.fingerprint


def _check_outcome(
    output: subprocess.CompletedProcess, state: Path, last_good: str, reason: str
) -> None:
    assert output.returncode == 0, output.stderr
    outcome = json.loads(output.stdout)
    snapshots = f"{state}/snapshots: cannot"
    # It starts, serving the last good fact base, and says why.
    assert outcome["fingerprint"] == last_good and outcome["answered"] is True
    assert outcome["start_problems"][0].startswith(snapshots), outcome["start_problems"]
    assert reason in outcome["start_problems"][0]
    assert "the files themselves are valid" in outcome["start_problems"][0]
    assert len(outcome["start_problems"]) == 1
    # Logging fails quietly; the reload is refused naming the folder.
    assert outcome["logged"] is None
    assert "question not logged: SQLITE_" in output.stderr and "nato" not in output.stderr
    assert outcome["reload_ok"] is False and outcome["problems"][0].startswith(snapshots)
    # Every question logged before is still there, in a sound database.
    with sqlite3.connect(state / LOG_NAME) as db:
        assert db.execute("SELECT COUNT(*) FROM questions").fetchone() == (3,)
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_full_disk_is_named_and_the_old_fact_base_and_the_log_are_kept(
    workspace: Workspace, tmp_path: Path
) -> None:
    state, last_good = _prepared(workspace, tmp_path)

    def full_disk() -> None:  # in the child: no file may grow past 1 KB
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))

    output = subprocess.run(
        [sys.executable, "-c", CHILD, *map(str, (*workspace, state))],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        preexec_fn=full_disk,
    )
    _check_outcome(output, state, last_good, "File too large")
    # Space again: the same reload goes through.
    holder = AnswererHolder(*workspace, state)
    assert "test-new-fact" in {f.id for f in holder.base.facts}


def _can_mount_read_only(tmp_path: Path) -> bool:
    probe = tmp_path / "probe"
    probe.mkdir()
    script = f"mount --bind {probe} {probe} && mount -o remount,ro,bind {probe} {probe}"
    try:
        done = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True)
    except OSError:
        return False
    return done.returncode == 0


def test_a_read_only_state_folder_is_named_and_the_old_fact_base_and_the_log_are_kept(
    workspace: Workspace, tmp_path: Path
) -> None:
    if not _can_mount_read_only(tmp_path):
        pytest.skip("no private mount namespace here (needs unshare -m and mount)")
    state, last_good = _prepared(workspace, tmp_path)
    command = (
        f'mount --bind "{state}" "{state}" && mount -o remount,ro,bind "{state}" "{state}" && '
        f'exec "{sys.executable}" -c "$0" "$@"'
    )
    output = subprocess.run(
        ["unshare", "-m", "sh", "-c", command, CHILD, *map(str, (*workspace, state))],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    _check_outcome(output, state, last_good, "Read-only file system")
