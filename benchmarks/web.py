"""The web part of the benchmark: the Procfile's `web:` server against the same server answering
a constant text (the floor), with the same load generator, in the same run.

Both servers run the Procfile's `web:` command as written, bound to 127.0.0.1 on a free port,
with WEB_CONCURRENCY workers, a throwaway state folder and SLACK_API_URL pointed at the tests'
fake Slack (only `auth.test` is called: slash-command answers travel in the HTTP response). The
floor differs only in the app: `benchmarks.floor:create_app()`. Rounds alternate floor and bot,
so that drift in the machine's load hits both alike.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from tests.slack.fake_slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack

ROOT = Path(__file__).resolve().parent.parent
APP = "'bot.server:create_app()'"
FLOOR_APP = "'benchmarks.floor:create_app()'"


def procfile_web() -> str:
    for line in (ROOT / "Procfile").read_text(encoding="utf-8").splitlines():
        name, _, command = line.partition(":")
        if name.strip() == "web":
            return command.strip()
    raise SystemExit("the Procfile has no web: line")


def loopback_command(command: str, port: int, app: str) -> list[str]:
    """The Procfile command bound to 127.0.0.1:`port` (never all interfaces), serving `app`."""
    for host in ("${HOST:-0.0.0.0}", "$HOST", "${HOST}", "0.0.0.0"):
        command = command.replace(host, "127.0.0.1")
    command = command.replace("${PORT}", str(port)).replace("$PORT", str(port))
    if "127.0.0.1" not in command or APP not in command:
        raise SystemExit(f"cannot run the Procfile's web command on loopback: {command}")
    words = shlex.split(command.replace(APP, app))
    local = Path(sys.executable).parent / words[0]
    if local.exists():
        words[0] = str(local)  # the project's own gunicorn
    return words


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as reply:
            return reply.status == 200
    except OSError:
        return False


class Server:
    """One gunicorn server, started in its own process group and stopped by its pid."""

    def __init__(self, name: str, app: str, fake: FakeSlack, workers: int, state: Path) -> None:
        self.name = name
        self.port = free_port()
        environment = {
            k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PEACEBOT_"))
        }
        environment.update(
            {
                "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": fake.api_url,
                "PEACEBOT_STATE_DIR": str(state),
                "PEACEBOT_LOG_LEVEL": "WARNING",
                "WEB_CONCURRENCY": str(workers),
                "PORT": str(self.port),
                "HOST": "127.0.0.1",
                "PYTHONPATH": str(ROOT),
            }
        )
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (open while the server runs)
        self.process = subprocess.Popen(
            loopback_command(procfile_web(), self.port, app),
            cwd=ROOT,
            env=environment,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while not healthy(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.log.seek(0)
                tail = self.log.read().decode(errors="replace")[-2000:]
                raise SystemExit(f"the {self.name} server did not start:\n{tail}")
            time.sleep(0.2)

    def stop(self) -> None:
        """Stop the server (once; later calls do nothing)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # gunicorn's graceful shutdown
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def load(port: int, seconds: float, threads: int, response_url: str) -> dict[str, Any]:
    command = [sys.executable, "-m", "benchmarks.load", str(port), str(seconds)]
    command += ["--threads", str(threads), "--response-url", response_url]
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        command, cwd=ROOT, env=environment, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def run(
    seconds: float = 8.0, rounds: int = 2, threads: int = 8, workers: int = 2
) -> dict[str, Any]:
    """Both servers, measured alternately `rounds` times for `seconds` each."""
    fake = FakeSlack().start()
    servers: list[Server] = []
    try:
        with tempfile.TemporaryDirectory() as state:
            servers = [
                Server("floor", FLOOR_APP, fake, workers, Path(state) / "floor"),
                Server("bot", APP, fake, workers, Path(state) / "bot"),
            ]
            for server in servers:
                server.wait_ready()
            respond = fake.response_url("bench")
            for server in servers:
                load(server.port, 2.0, threads, respond)  # warm-up, not counted
            runs: dict[str, list[dict[str, Any]]] = {"floor": [], "bot": []}
            for _ in range(rounds):
                for server in servers:
                    runs[server.name].append(load(server.port, seconds, threads, respond))
    finally:
        for server in servers:
            server.stop()
        fake.stop()
    summary: dict[str, Any] = {"workers": workers, "threads": threads, "seconds": seconds}
    for name, results in runs.items():
        answered = sum(r["answered"] for r in results)
        elapsed = sum(r["seconds"] for r in results)
        summary[name] = {
            "rate": answered / elapsed,
            "answered": answered,
            "errors": sum(r["errors"] for r in results),
            "rates": [r["rate"] for r in results],
            "p50_ms": max(r["p50_ms"] for r in results),
            "p99_ms": max(r["p99_ms"] for r in results),
        }
    summary["ratio"] = summary["bot"]["rate"] / summary["floor"]["rate"]
    return summary
