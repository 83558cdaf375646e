"""The web benchmark's load generator: signed `/peace` slash commands over loopback.

`python -m benchmarks.load PORT SECONDS` sends the labelled questions (tests/data/questions.toml)
from several threads, each request on a fresh connection and signed as Slack signs them
(`v0=` + HMAC-SHA256 of `v0:{timestamp}:{body}` with the signing secret), until SECONDS have
passed or MAX_REQUESTS were sent, and prints one JSON object: requests answered (HTTP 200 with
a message), errors, rate and latency.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import itertools
import json
import sys
import threading
import time
import tomllib
from pathlib import Path
from typing import Any

from tests.slack.fake_slack import SIGNING_SECRET, slash_body

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "tests" / "data" / "questions.toml"
MAX_REQUESTS = 100_000


def sign(body: str, secret: str, timestamp: int) -> dict[str, str]:
    """The headers Slack sends with a request: its timestamp and signature."""
    base = f"v0:{timestamp}:{body}".encode()
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": f"v0={digest}"}


def run(port: int, seconds: float, threads: int, response_url: str) -> dict[str, Any]:
    with QUESTIONS.open("rb") as handle:
        texts = [q["text"] for q in tomllib.load(handle)["question"]]
    bodies = [slash_body(text, "U0BENCH", response_url) for text in texts]
    counter = itertools.count()
    lock = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []
    deadline = time.monotonic() + seconds

    def client() -> None:
        mine: list[float] = []
        while time.monotonic() < deadline:
            number = next(counter)
            if number >= MAX_REQUESTS:
                break
            body = bodies[number % len(bodies)]
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                **sign(body, SIGNING_SECRET, int(time.time())),
            }
            began = time.perf_counter()
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                connection.request("POST", "/slack/events", body=body, headers=headers)
                response = connection.getresponse()
                reply = response.read()
                connection.close()
            except OSError as error:
                with lock:
                    errors.append(type(error).__name__)
                continue
            if response.status == 200 and (b'"text"' in reply or b'"blocks"' in reply):
                mine.append(time.perf_counter() - began)
            else:
                with lock:
                    errors.append(f"HTTP {response.status}")
        with lock:
            latencies.extend(mine)

    began = time.monotonic()
    workers = [threading.Thread(target=client) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.monotonic() - began
    latencies.sort()
    return {
        "answered": len(latencies),
        "errors": len(errors),
        "error_kinds": sorted(set(errors)),
        "seconds": elapsed,
        "rate": len(latencies) / elapsed,
        "p50_ms": latencies[len(latencies) // 2] * 1e3 if latencies else 0.0,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1e3 if latencies else 0.0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load")
    parser.add_argument("port", type=int)
    parser.add_argument("seconds", type=float)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--response-url", default="http://127.0.0.1:9/respond")
    args = parser.parse_args(argv)
    json.dump(run(args.port, args.seconds, args.threads, args.response_url), sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
