"""The state shared by worker processes: the reloadable answerer and the event ledger, on real
files in temporary folders (two holders on one state dir stand for two worker processes)."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from bot.holder import AnswererHolder, compare
from bot.ledger import EventLedger
from knowledge.models import FactBase
from knowledge.store import FactBaseError

Workspace = tuple[Path, Path]

NEW_FACT = """
[[fact]]
id = "test-new-fact"
topic = "Added by a test"
phrasings = ["what did the zebra committee decide?"]

[[fact.citations]]
source = "000_80ebed28bbef419f.txt"
excerpt = "Moscow has firmly rejected a reported US-backed peace proposal for Ukraine"
"""


def holder_for(workspace: Workspace, state: Path, retry_seconds: float = 5.0) -> AnswererHolder:
    seeds, knowledge = workspace
    return AnswererHolder(seeds, knowledge, state, retry_seconds)


def break_plan(knowledge: Path) -> None:
    plan = knowledge / "facts" / "plan.toml"
    text = plan.read_text(encoding="utf-8")
    plan.write_text(text.replace("Ukraine’s NATO", "Ukraine's NATO", 1), encoding="utf-8")


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


def test_a_reload_is_adopted_by_the_other_process(workspace: Workspace, tmp_path: Path) -> None:
    one, two = holder_for(workspace, tmp_path / "state"), holder_for(workspace, tmp_path / "state")
    old = one.base.fingerprint
    assert two.sync() is False  # no marker yet: nothing to do
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
    assert [p.name for p in (tmp_path / "state").iterdir()] == ["fact_base.json"]  # no temp files


def test_a_broken_fact_base_is_refused_and_the_old_one_keeps_serving(
    workspace: Workspace, tmp_path: Path
) -> None:
    one, two = holder_for(workspace, tmp_path / "state"), holder_for(workspace, tmp_path / "state")
    old = one.base
    break_plan(workspace[1])
    result = one.reload()
    assert not result.ok and result.base is old and one.base is old
    assert any("not verbatim in seeds/000_80ebed28bbef419f.txt" in p for p in result.problems)
    assert not (tmp_path / "state" / "fact_base.json").exists()
    assert two.sync() is False
    assert one.answerer.answer("nato 20 years").answered
    with pytest.raises(FactBaseError):
        holder_for(workspace, tmp_path / "other-state")  # a new process refuses to start


def test_a_process_that_cannot_load_what_the_marker_announces_keeps_its_own_and_retries(
    workspace: Workspace, tmp_path: Path
) -> None:
    one = holder_for(workspace, tmp_path / "state")
    two = holder_for(workspace, tmp_path / "state", retry_seconds=0.2)
    old = two.base
    (workspace[1] / "facts" / "zz_new.toml").write_text(NEW_FACT, encoding="utf-8")
    assert one.reload().ok
    plan = workspace[1] / "facts" / "plan.toml"
    original = plan.read_text(encoding="utf-8")
    break_plan(workspace[1])  # broken again before the other process looked
    assert two.sync() is False
    assert two.base is old
    plan.write_text(original, encoding="utf-8")  # fixed: the next try (not before) succeeds
    assert two.sync() is False
    deadline = time.monotonic() + 5
    while not two.sync():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert two.base.fingerprint == one.base.fingerprint


def test_answers_during_reloads_come_from_one_fact_base(
    workspace: Workspace, tmp_path: Path
) -> None:
    holder = holder_for(workspace, tmp_path / "state")
    failures: list[BaseException] = []
    stop = threading.Event()

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
    for _ in range(3):
        assert holder.reload().ok
    stop.set()
    for thread in threads:
        thread.join()
    assert failures == []


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
