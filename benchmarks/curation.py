"""How long a reload takes and how fast the question log writes: `python benchmarks/curation.py`.

Reload: the shipped fact base and a large synthetic one (20 articles of 200 sentences, 2,000
facts in 20 files), each timed as the three steps a reload is made of: validate the working
files and keep them as a snapshot (`publish`), build the answerer, and, in another process's
holder, adopt the snapshot the marker names (`sync`). Question log: writes per second with one
and with four writer processes on one file.
"""

from __future__ import annotations

import multiprocessing
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.holder import AnswererHolder, publish  # noqa: E402
from bot.questionlog import QuestionLog  # noqa: E402
from bot.snapshots import Snapshots  # noqa: E402
from knowledge.answer import Answer, Answerer  # noqa: E402
from knowledge.drafts import toml_string  # noqa: E402

PLACES = "Kyiv Kharkiv Odesa Geneva Vienna Warsaw Ankara Brussels Riga Minsk Paris Rome".split()
ORGS = ["the ministry", "the council", "the delegation", "the agency", "the commission"]
ACTIONS = "approved delayed rejected extended suspended reviewed funded postponed".split()
OBJECTS = [
    "grain exports",
    "prisoner exchanges",
    "energy imports",
    "border crossings",
    "rail repairs",
    "water supplies",
    "school repairs",
    "fuel deliveries",
]


def synthetic(root: Path, articles: int = 20, sentences: int = 200, facts: int = 2000) -> None:
    """Write a synthetic fact base (articles in seeds/, facts in knowledge/facts/) under root."""
    rng = random.Random(20240611)
    seeds, knowledge = root / "seeds", root / "knowledge"
    (knowledge / "facts").mkdir(parents=True)
    seeds.mkdir()
    (knowledge / "sources.toml").write_text("# synthetic: no metadata\n", encoding="utf-8")
    (knowledge / "aliases.toml").write_text("[aliases]\n", encoding="utf-8")
    texts: dict[str, list[str]] = {}
    for a in range(articles):
        lines = []
        for s in range(sentences):
            lines.append(
                f"Officials in {rng.choice(PLACES)} said {rng.choice(ORGS)} "
                f"{rng.choice(ACTIONS)} {rng.choice(OBJECTS)} for item {a}-{s} "
                f"by {rng.randint(2, 95)} percent."
            )
        name = f"{a:03d}_synthetic.txt"
        texts[name] = lines
        body = f"Synthetic report number {a}\n" + " ".join(lines) + "\n"
        (seeds / name).write_text(body, encoding="utf-8")
    per_file = facts // 20
    for f in range(20):
        out = []
        for n in range(per_file):
            number = f * per_file + n
            name = f"{number % articles:03d}_synthetic.txt"
            sentence = texts[name][(number // articles) % sentences]
            words = sentence.rstrip(".").split()
            out.append(
                "[[fact]]\n"
                f'id = "synthetic-{number}"\n'
                f"topic = {toml_string(' '.join(words[:8]))}\n"
                f"phrasings = [{toml_string(' '.join(words[3:9]))}, "
                f"{toml_string('what about ' + ' '.join(words[5:8]) + '?')}]\n\n"
                "[[fact.citations]]\n"
                f'source = "{name}"\n'
                f"excerpt = {toml_string(sentence)}\n"
            )
        (knowledge / "facts" / f"synthetic_{f:02d}.toml").write_text(
            "\n".join(out), encoding="utf-8"
        )


def time_reload(root: Path, label: str, rounds: int = 5) -> None:
    """Time publish, index build and another process's sync for the fact base under root."""
    seeds, knowledge = root / "seeds", root / "knowledge"
    state = root / "state"
    holder = AnswererHolder(seeds, knowledge, state)
    other = AnswererHolder(seeds, knowledge, state)
    snapshots = Snapshots(state)
    extra = knowledge / "facts" / "zz_bench.toml"
    [name, *_] = holder.base.sources
    sentence = holder.base.passages[0].citation.excerpt
    publish_new, publish_same, build, sync, reload_total = [], [], [], [], []

    def edit(tag: str) -> None:  # a one-fact file, different each time
        extra.write_text(
            f'[[fact]]\nid = "bench-{tag}"\ntopic = "bench"\nphrasings = ["bench {tag}"]\n\n'
            f'[[fact.citations]]\nsource = "{name}"\nexcerpt = {toml_string(sentence)}\n',
            encoding="utf-8",
        )

    for n in range(rounds):
        edit(f"{n}")
        began = time.perf_counter()
        base = publish(snapshots, seeds, knowledge).base  # validate, snapshot, mark
        publish_new.append(time.perf_counter() - began)
        began = time.perf_counter()
        Answerer(base)
        build.append(time.perf_counter() - began)
        began = time.perf_counter()
        publish(snapshots, seeds, knowledge)  # nothing changed: the snapshot is reused
        publish_same.append(time.perf_counter() - began)
        began = time.perf_counter()
        assert other.sync()  # load the snapshot the marker names, build its answerer
        sync.append(time.perf_counter() - began)
        edit(f"{n}-again")
        holder.sync()  # catch up first: only the reload itself is timed
        began = time.perf_counter()
        assert holder.reload().ok  # the whole /peace reload in the process that runs it
        reload_total.append(time.perf_counter() - began)
    # An idle process (its own poll thread, nobody calls its sync) after a reload elsewhere.
    idle = AnswererHolder(seeds, knowledge, state)
    idle.start_polling()
    idle_switch = []
    for n in range(rounds):
        edit(f"{n}-idle")
        began = time.perf_counter()
        assert holder.reload().ok
        while idle.base.fingerprint != holder.base.fingerprint:
            time.sleep(0.005)
        idle_switch.append(time.perf_counter() - began)
    idle.stop_polling()
    base = holder.base

    def ms(values: list[float]) -> str:
        return f"{statistics.median(values) * 1000:7.0f} ms"

    print(
        f"{label}: {len(base.sources)} articles, {len(base.passages)} sentences, "
        f"{len(base.facts)} facts (median of {rounds})"
    )
    print(f"  validate, snapshot, marker (files changed)     {ms(publish_new)}")
    print(f"  validate, marker (unchanged: snapshot reused)  {ms(publish_same)}")
    print(f"  build the answerer (index)                     {ms(build)}")
    print(f"  another process adopts it (load + index)       {ms(sync)}")
    print(f"  /peace reload (validate, snapshot, index)      {ms(reload_total)}")
    print(f"  an idle process serves it, from reload start   {ms(idle_switch)}")


def _writer(path: str, count: int, start: multiprocessing.Event) -> None:  # type: ignore[type-arg]
    log = QuestionLog(Path(path))
    answer = Answer("q", answered=True, score=80.0, match="some-fact")
    log.record("warm up", answer, "slash", "U0")
    start.wait(30)
    for n in range(count):
        if (
            log.record(f"what about question {n} from the benchmark?", answer, "slash", "U1")
            is None
        ):
            raise SystemExit(1)


def time_log_writes(root: Path, writers: int, count: int) -> None:
    path = root / f"log-{writers}" / "questions.sqlite3"
    context = multiprocessing.get_context("fork")
    start = context.Event()
    processes = [
        context.Process(target=_writer, args=(str(path), count, start)) for _ in range(writers)
    ]
    for process in processes:
        process.start()
    time.sleep(0.5)  # every writer has opened the log
    began = time.perf_counter()
    start.set()
    for process in processes:
        process.join()
        assert process.exitcode == 0
    elapsed = time.perf_counter() - began
    total = writers * count
    rows = QuestionLog(path).count() - writers  # less the warm-up rows
    assert rows == total, (rows, total)
    print(
        f"question log, {writers} writer process(es) x {count}: {total / elapsed:8.0f} writes/s "
        f"({elapsed:.2f} s, {rows} rows, none lost)"
    )


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="peacebot-bench-") as temp:
        root = Path(temp)
        shipped = root / "shipped"
        shipped.mkdir()
        shutil.copytree(ROOT / "seeds", shipped / "seeds")
        shutil.copytree(
            ROOT / "knowledge",
            shipped / "knowledge",
            ignore=shutil.ignore_patterns("*.py", "__pycache__"),
        )
        time_reload(shipped, "shipped fact base")
        large = root / "large"
        synthetic(large)
        time_reload(large, "synthetic fact base", rounds=3)
        for writers in (1, 4):
            time_log_writes(root, writers, 2000)


if __name__ == "__main__":
    main()
