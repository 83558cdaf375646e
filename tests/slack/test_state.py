"""The state shared by worker processes: the reloadable answerer, its snapshots and marker, and
the event ledger, on real files in temporary folders (two holders on one state dir stand for two
worker processes; forked processes for real ones)."""

from __future__ import annotations

import json
import multiprocessing
import os
import sqlite3
import stat
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from bot.holder import INDEX_DIR, AnswererHolder, change_items, compare, reload_files
from bot.ledger import EventLedger
from bot.snapshots import MARKER_NAME, SNAPSHOTS_DIR, Snapshots
from knowledge.answer import Answerer
from knowledge.models import FactBase
from knowledge.store import FactBaseError
from tests.conftest import NEW_FACT, Workspace

BRIEF = (
    "Ceasefire talks resume in Geneva\nDelegates met in Geneva on Tuesday to discuss grain "
    "corridor inspections.The talks will continue next week."
)


def holder_for(
    workspace: Workspace, state: Path, retry_seconds: float = 5.0, **options: object
) -> AnswererHolder:
    seeds, knowledge = workspace
    return AnswererHolder(seeds, knowledge, state, retry_seconds, **options)  # type: ignore[arg-type]


def break_plan(knowledge: Path) -> str:
    """Make one excerpt of plan.toml not verbatim; returns the original text."""
    plan = knowledge / "facts" / "plan.toml"
    text = plan.read_text(encoding="utf-8")
    plan.write_text(text.replace("Ukraine’s NATO", "Ukraine's NATO", 1), encoding="utf-8")
    return text


def leftovers(state: Path) -> list[str]:
    """Temporary files or folders anywhere in the state dir."""
    return [p.name for p in state.rglob("*") if p.name.startswith((".new-", ".marker-"))]


def test_compare_names_what_was_added_removed_and_changed(base: FactBase) -> None:
    first, second, *rest = base.facts
    edited = replace(second, phrasings=(*second.phrasings, "a new phrasing"))
    new = replace(base, facts=(edited, *rest, replace(first, id="brand-new")))
    changes = compare(base, new)
    assert changes.facts_added == ("brand-new",)
    assert changes.facts_removed == (first.id,)
    assert changes.facts_changed == (second.id,)
    assert not changes.sources_added and not changes.sources_changed and not changes.empty
    name, source = next(iter(base.sources.items()))
    moved = replace(base, sources={**base.sources, name: replace(source, text=source.text + " ")})
    assert compare(base, moved).sources_changed == (name,)
    assert compare(base, base).empty
    everything = compare(None, base)
    assert len(everything.facts_added) == len(base.facts) and not everything.aliases_changed
    assert len(everything.unanswered_added) == len(base.unanswered) > 0


def test_compare_names_the_known_unanswered_questions_that_changed(base: FactBase) -> None:
    first, second, *rest = base.unanswered
    edited = replace(second, note="The articles do not say.")
    new = replace(base, unanswered=(edited, *rest, replace(first, id="brand-new-gap")))
    changes = compare(base, new)
    assert changes.unanswered_added == ("brand-new-gap",)
    assert changes.unanswered_removed == (first.id,)
    assert changes.unanswered_changed == (second.id,)
    assert not changes.facts_changed and not changes.empty
    assert ("known unanswered questions changed", (second.id,)) in change_items(changes)


def test_a_start_keeps_the_files_as_the_last_good_snapshot(
    workspace: Workspace, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    one = holder_for(workspace, state)
    marker = json.loads((state / MARKER_NAME).read_text(encoding="utf-8"))
    assert marker["fingerprint"] == one.base.fingerprint
    snapshot = state / SNAPSHOTS_DIR / one.base.fingerprint
    assert sorted(p.name for p in (snapshot / "seeds").iterdir()) == sorted(one.base.sources)
    assert (snapshot / "knowledge" / "facts" / "plan.toml").is_file()
    assert not (snapshot / "knowledge" / "store.py").exists()  # only what the loader reads
    key = (state / MARKER_NAME).stat().st_ino
    two = holder_for(workspace, state)  # same files: the marker is left as it is
    assert (state / MARKER_NAME).stat().st_ino == key
    assert two.loaded_at == one.loaded_at and two.problems == ()


def test_a_reload_is_adopted_by_the_other_process(workspace: Workspace, tmp_path: Path) -> None:
    state = tmp_path / "state"
    one, two = holder_for(workspace, state), holder_for(workspace, state)
    old = one.base.fingerprint
    assert two.sync() is False  # nothing changed: nothing to do
    (workspace[1] / "facts" / "zz_new.toml").write_text(NEW_FACT, encoding="utf-8")
    result = one.reload()
    assert result.ok and result.changes is not None
    assert result.changes.facts_added == ("test-new-fact",)
    assert one.base.fingerprint != old and two.base.fingerprint == old
    assert two.sync() is True
    assert two.base.fingerprint == one.base.fingerprint
    assert two.answerer.answer("what did the zebra committee decide?").match == "test-new-fact"
    assert two.loaded_at == one.loaded_at
    assert two.sync() is False and one.sync() is False
    assert sorted(p.name for p in state.iterdir()) == [
        MARKER_NAME,
        INDEX_DIR,
        "reload.lock",
        SNAPSHOTS_DIR,
    ]
    kept = {p.name for p in (state / SNAPSHOTS_DIR).iterdir()}
    assert kept == {old, one.base.fingerprint}
    assert leftovers(state) == []


def test_other_processes_serve_what_was_validated_even_if_the_files_changed_since(
    workspace: Workspace, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    one, two = holder_for(workspace, state), holder_for(workspace, state)
    (workspace[1] / "facts" / "zz_new.toml").write_text(NEW_FACT, encoding="utf-8")
    assert one.reload().ok
    break_plan(workspace[1])  # broken on disk before the other process looked
    assert two.sync() is True
    assert two.base.fingerprint == one.base.fingerprint
    assert two.answerer.answer("nato 20 years").answered


def test_a_broken_fact_base_is_refused_and_the_old_one_keeps_serving(
    workspace: Workspace, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    one, two = holder_for(workspace, state), holder_for(workspace, state)
    old = one.base
    marker = (state / MARKER_NAME).read_bytes()
    break_plan(workspace[1])
    result = one.reload()
    assert not result.ok and result.base is old and one.base is old
    assert any("not verbatim in seeds/000_80ebed28bbef419f.txt" in p for p in result.problems)
    assert (state / MARKER_NAME).read_bytes() == marker  # nobody is told to change
    assert len(list((state / SNAPSHOTS_DIR).iterdir())) == 1 and leftovers(state) == []
    assert two.sync() is False
    assert one.answerer.answer("nato 20 years").answered


def test_a_restart_with_broken_files_serves_the_last_good_fact_base(
    workspace: Workspace, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    state = tmp_path / "state"
    good = holder_for(workspace, state).base
    break_plan(workspace[1])
    with caplog.at_level("ERROR"):
        restarted = holder_for(workspace, state)
    assert restarted.base.fingerprint == good.fingerprint
    assert restarted.answerer.answer("nato 20 years").answered
    [problem] = restarted.problems
    assert problem.startswith("knowledge/facts/plan.toml: fact '")
    assert "serving the last good fact base" in caplog.text
    assert "plan.toml: fact '" in caplog.text
    with pytest.raises(FactBaseError):
        holder_for(workspace, tmp_path / "other-state")  # no last good one: refuses to start


def test_a_restarted_worker_resumes_what_the_server_serves(
    workspace: Workspace, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    serving = holder_for(workspace, state).base
    # Edited on disk (validly) but not reloaded: a worker restarted inside the running server
    # serves what its siblings serve; a new server would load the edit.
    (workspace[1] / "facts" / "zz_new.toml").write_text(NEW_FACT, encoding="utf-8")
    resumed = holder_for(workspace, state, resume=True)
    assert resumed.base.fingerprint == serving.fingerprint and resumed.problems == ()
    fresh = holder_for(workspace, state)
    assert fresh.base.fingerprint != serving.fingerprint
    assert "test-new-fact" in {f.id for f in fresh.base.facts}
    break_plan(workspace[1])  # broken on disk: a resumed worker says so too
    [problem] = holder_for(workspace, state, resume=True).problems
    assert problem.startswith("knowledge/facts/plan.toml: fact '")


def test_a_snapshot_that_does_not_load_is_retried_later(
    workspace: Workspace, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    one = holder_for(workspace, state)
    two = holder_for(workspace, state, retry_seconds=0.2)
    old = two.base
    (workspace[1] / "facts" / "zz_new.toml").write_text(NEW_FACT, encoding="utf-8")
    assert one.reload().ok
    snapshot = state / SNAPSHOTS_DIR / one.base.fingerprint
    hidden = snapshot.rename(snapshot.with_name("elsewhere"))
    assert two.sync() is False and two.base is old
    hidden.rename(snapshot)
    assert two.sync() is False  # not before retry_seconds
    deadline = time.monotonic() + 5
    while not two.sync():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert two.base.fingerprint == one.base.fingerprint


def test_an_idle_process_adopts_a_reload_by_itself(workspace: Workspace, tmp_path: Path) -> None:
    state = tmp_path / "state"
    one, idle = holder_for(workspace, state), holder_for(workspace, state)
    idle.start_polling(0.2)
    try:
        (workspace[1] / "facts" / "zz_new.toml").write_text(NEW_FACT, encoding="utf-8")
        began = time.monotonic()
        assert one.reload().ok
        while idle.base.fingerprint != one.base.fingerprint:  # nobody calls idle.sync()
            # Fifty poll intervals: a guard against a poll that never runs, loose enough for a
            # loaded machine; not a speed claim (`python benchmarks/curation.py` times it).
            assert time.monotonic() - began < 50 * 0.2
            time.sleep(0.02)
    finally:
        idle.stop_polling()


def test_only_the_newest_snapshots_are_kept(workspace: Workspace, tmp_path: Path) -> None:
    state = tmp_path / "state"
    holder = holder_for(workspace, state, keep_snapshots=2)
    extra = workspace[1] / "facts" / "zz_new.toml"
    fingerprints = [holder.base.fingerprint]
    for n in range(4):
        extra.write_text(NEW_FACT.replace("zebra", f"zebra {n}"), encoding="utf-8")
        assert holder.reload().ok
        fingerprints.append(holder.base.fingerprint)
    kept = {p.name for p in (state / SNAPSHOTS_DIR).iterdir()}
    assert kept == set(fingerprints[-2:])
    extra.write_text(NEW_FACT.replace("zebra", "zebra 2"), encoding="utf-8")  # back to one kept
    assert holder.reload().ok and holder.base.fingerprint == fingerprints[3]


def test_a_new_article_becomes_searchable_and_listed_and_its_removal_is_reported(
    workspace: Workspace, tmp_path: Path
) -> None:
    seeds, _ = workspace
    holder = holder_for(workspace, tmp_path / "state")
    (seeds / "010_brief.txt").write_text(BRIEF, encoding="utf-8")
    result = holder.reload()
    assert result.ok and result.changes is not None
    assert result.changes.sources_added == ("010_brief.txt",)
    assert (
        holder.base.sources["010_brief.txt"].pieces[0].title == "Ceasefire talks resume in Geneva"
    )
    assert len(holder.base.uncovered["010_brief.txt"]) == 3  # no fact cites it yet
    answer = holder.answerer.answer("grain corridor inspections in geneva")
    assert answer.answered and answer.citations[0].source == "010_brief.txt"
    assert answer.citations[0].fact_id is None  # a passage, cited with its file
    assert answer.citations[0].title == "Ceasefire talks resume in Geneva"
    (seeds / "010_brief.txt").unlink()
    removed = holder.reload()
    assert removed.ok and removed.changes is not None
    assert removed.changes.sources_removed == ("010_brief.txt",)
    assert not any(p.citation.source == "010_brief.txt" for p in holder.base.passages)
    after = holder.answerer.answer("grain corridor inspections in geneva")
    assert all(c.source != "010_brief.txt" for c in after.citations)


def test_removing_an_article_that_facts_cite_names_each_fact_and_keeps_the_old_base(
    workspace: Workspace, tmp_path: Path
) -> None:
    seeds, _ = workspace
    holder = holder_for(workspace, tmp_path / "state")
    old = holder.base
    citing = {
        f.id for f in old.facts if any(c.source == "002_f5c7fe294e905a4b.txt" for c in f.citations)
    }
    assert citing
    (seeds / "002_f5c7fe294e905a4b.txt").unlink()
    result = holder.reload()
    assert not result.ok and holder.base is old
    named = {
        p.split("fact '", 1)[1].split("'", 1)[0]
        for p in result.problems
        if "unknown source '002_f5c7fe294e905a4b.txt'" in p
    }
    assert named == citing
    assert any(
        "describes seeds/002_f5c7fe294e905a4b.txt, which does not exist" in p
        for p in result.problems
    )
    assert "002_f5c7fe294e905a4b.txt" in holder.base.sources


def test_the_command_line_reload_compares_with_what_the_servers_serve(
    workspace: Workspace, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    first = reload_files(*workspace, state)  # nothing served yet: everything is new
    assert first.ok and first.changes is not None
    assert first.base is not None and len(first.changes.facts_added) == len(first.base.facts)
    server = holder_for(workspace, state)
    (workspace[1] / "facts" / "zz_new.toml").write_text(NEW_FACT, encoding="utf-8")
    again = reload_files(*workspace, state)
    assert again.ok and again.changes is not None
    assert again.changes.facts_added == ("test-new-fact",)
    assert again.base is not None and server.sync() is True
    assert server.base.fingerprint == again.base.fingerprint
    break_plan(workspace[1])
    refused = reload_files(*workspace, state)
    assert not refused.ok and refused.base is not None
    assert refused.base.fingerprint == server.base.fingerprint
    assert server.sync() is False


def test_simultaneous_reloads_report_each_change_once(workspace: Workspace, tmp_path: Path) -> None:
    state = tmp_path / "state"
    server = holder_for(workspace, state)
    (workspace[1] / "facts" / "zz_new.toml").write_text(NEW_FACT, encoding="utf-8")
    start = threading.Barrier(3)
    results = []

    def reload(n: int) -> None:
        start.wait()
        results.append(server.reload() if n == 0 else reload_files(*workspace, state))

    threads = [threading.Thread(target=reload, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(r.ok and r.changes is not None for r in results)
    added = [r.changes.facts_added for r in results if r.changes is not None]
    assert sorted(added) == [(), (), ("test-new-fact",)]  # one reload made the change


def test_a_reload_leaves_files_every_user_can_read_and_an_unreadable_marker_is_reported_once(
    workspace: Workspace, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    state = tmp_path / "state"
    old = os.umask(0o077)  # a strict umask, as a deploy user may have
    try:
        assert reload_files(*workspace, state).ok
    finally:
        os.umask(old)
    assert stat.S_IMODE((state / MARKER_NAME).stat().st_mode) == 0o644
    [snapshot] = (state / SNAPSHOTS_DIR).iterdir()
    for path in [snapshot, *snapshot.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o755 if path.is_dir() else 0o644), path
    snapshots = Snapshots(state)
    marker = state / MARKER_NAME
    real = Path.read_text

    def refused(path: Path, *args: object, **kwargs: object) -> str:
        if path == marker:
            raise PermissionError(13, "Permission denied")
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    with caplog.at_level("WARNING"), pytest.MonkeyPatch.context() as patch:
        patch.setattr(Path, "read_text", refused)
        assert snapshots.read_marker() is None and snapshots.read_marker() is None
    assert caplog.text.count("cannot be read (permissions)") == 1


def test_answers_during_reloads_come_from_one_fact_base(
    workspace: Workspace, tmp_path: Path
) -> None:
    holder = holder_for(workspace, tmp_path / "state")
    failures: list[BaseException] = []
    stop = threading.Event()
    extra = workspace[1] / "facts" / "zz_new.toml"

    def ask() -> None:
        try:
            while not stop.is_set():
                answerer = holder.answerer
                answer = answerer.answer("nato 20 years")
                text = answerer.base.sources[answer.citations[0].source].text
                assert text[answer.citations[0].start : answer.citations[0].end] == (
                    answer.citations[0].excerpt
                )
                time.sleep(0.001)
        except BaseException as error:  # reported below
            failures.append(error)

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for n in range(4):
        if n % 2:
            extra.unlink()
        else:
            extra.write_text(NEW_FACT, encoding="utf-8")
        assert holder.reload().ok
    stop.set()
    for thread in threads:
        thread.join()
    assert failures == []


# -- several processes -----------------------------------------------------------------------


def _reload_repeatedly(
    seeds: str, knowledge: str, state: str, rounds: int, results: object
) -> None:
    holder = AnswererHolder(Path(seeds), Path(knowledge), Path(state))
    seen: set[str] = set()
    problems: list[str] = []
    stop = threading.Event()

    def ask() -> None:  # a request thread: every answer from one whole, valid fact base
        while not stop.is_set():
            answerer: Answerer = holder.answerer
            answer = answerer.answer("who rejected the plan?")
            for cited in answer.citations:
                text = answerer.base.sources[cited.source].text
                if text[cited.start : cited.end] != cited.excerpt:
                    problems.append("not verbatim")
            seen.add(answerer.base.fingerprint)

    asker = threading.Thread(target=ask)
    asker.start()
    outcomes = []
    for _ in range(rounds):
        result = holder.reload()
        outcomes.append(result.ok)
        problems.extend(result.problems)
        holder.sync()
    stop.set()
    asker.join()
    results.put((outcomes, sorted(seen), problems))  # type: ignore[attr-defined]


def test_concurrent_reloads_from_several_processes_leave_one_valid_snapshot_named(
    workspace: Workspace, tmp_path: Path
) -> None:
    seeds, knowledge = workspace
    state = tmp_path / "state"
    extra = knowledge / "facts" / "zz_new.toml"
    without = holder_for(workspace, state).base.fingerprint
    extra.write_text(NEW_FACT, encoding="utf-8")
    with_fact = holder_for(workspace, tmp_path / "probe").base.fingerprint
    context = multiprocessing.get_context("fork")
    results: multiprocessing.Queue = context.Queue()
    args = (str(seeds), str(knowledge), str(state), 6, results)
    workers = [context.Process(target=_reload_repeatedly, args=args) for _ in range(4)]
    for worker in workers:
        worker.start()
    # Meanwhile the files flip between two valid versions (each change atomic) and the marker
    # is read over and over: it must always name a snapshot that exists.
    spare = tmp_path / "zz_new.toml"
    deadline = time.monotonic() + 60
    flips = 0
    while any(w.is_alive() for w in workers):
        assert time.monotonic() < deadline
        if flips % 2:
            spare.write_text(NEW_FACT, encoding="utf-8")
            os.replace(spare, extra)
        else:
            extra.unlink(missing_ok=True)
        flips += 1
        marker = json.loads((state / MARKER_NAME).read_text(encoding="utf-8"))
        assert (state / SNAPSHOTS_DIR / marker["fingerprint"]).is_dir()
        time.sleep(0.01)
    outcomes = [results.get(timeout=10) for _ in workers]
    for worker in workers:
        worker.join(timeout=10)
        assert worker.exitcode == 0
    for reloads, seen, problems in outcomes:
        assert reloads == [True] * 6 and problems == [], problems
        assert set(seen) <= {without, with_fact}
    marker = json.loads((state / MARKER_NAME).read_text(encoding="utf-8"))
    assert marker["fingerprint"] in {without, with_fact}
    assert Snapshots(state).load(marker["fingerprint"]).fingerprint == marker["fingerprint"]
    assert {p.name for p in (state / SNAPSHOTS_DIR).iterdir()} <= {without, with_fact}
    assert leftovers(state) == []
    late = holder_for(workspace, state, resume=True)
    assert late.base.fingerprint == marker["fingerprint"]


# -- the event ledger ------------------------------------------------------------------------


def _claim_all(path: str, ids: list[str], results: multiprocessing.Queue) -> None:
    ledger = EventLedger(Path(path))
    results.put([ledger.claim(event_id) for event_id in ids])


def test_the_ledger_lets_exactly_one_claim_win_across_processes(tmp_path: Path) -> None:
    path = tmp_path / "state" / "events.sqlite3"
    ledger = EventLedger(path)
    assert ledger.claim("Ev1") is True
    assert ledger.claim("Ev1") is False
    ids = [f"EvMany{n}" for n in range(150)]
    context = multiprocessing.get_context("fork")
    results: multiprocessing.Queue = context.Queue()
    workers = [context.Process(target=_claim_all, args=(str(path), ids, results)) for _ in range(3)]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    assert [sum(column) for column in zip(*outcomes, strict=True)] == [1] * len(ids)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert db.execute("SELECT COUNT(*) FROM handled_events").fetchone() == (151,)
