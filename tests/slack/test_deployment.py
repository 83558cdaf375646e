"""The deployment files agree with the code, and the entry points fail clearly and cleanly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from bot.server import EVENTS_PATH, SERVERS_DIR, has_served, record_serving, server_id
from bot.slack_app import COMMAND
from tests.conftest import ROOT, TEST_STATE, clean_environment
from tests.slack.conftest import copy_fact_base, free_port, procfile_command
from tests.slack.fake_slack import BOT_TOKEN, SIGNING_SECRET

MANIFEST = yaml.safe_load((ROOT / "slack_manifest.yaml").read_text(encoding="utf-8"))


def run(
    code_or_args: list[str], env: dict[str, str], stdin: str = ""
) -> subprocess.CompletedProcess:
    environment = clean_environment(**{"PEACEBOT_STATE_DIR": str(TEST_STATE), **env})
    return subprocess.run(
        [sys.executable, *code_or_args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=60,
    )


def test_procfile_runs_gunicorn_on_port_with_web_concurrency_and_a_socket_worker() -> None:
    web = procfile_command("web")
    assert web.startswith("gunicorn ")
    assert "--bind ${HOST:-0.0.0.0}:$PORT" in web  # every interface unless HOST says otherwise
    assert "'bot.server:create_app()'" in web
    assert "--workers" not in web and " -w " not in web  # gunicorn reads WEB_CONCURRENCY
    assert procfile_command("worker") == "python -m bot socket"


def test_manifest_matches_what_the_app_handles() -> None:
    features, settings = MANIFEST["features"], MANIFEST["settings"]
    [command] = features["slash_commands"]
    assert command["command"] == COMMAND
    urls = [
        command["url"],
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
    ]
    assert all(url == f"https://YOUR-HOST{EVENTS_PATH}" for url in urls)
    assert set(settings["event_subscriptions"]["bot_events"]) == {
        "app_mention",
        "message.im",
        "app_home_opened",
    }
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is False
    assert features["app_home"]["home_tab_enabled"] is True
    assert features["app_home"]["messages_tab_enabled"] is True
    # Least privilege: /peace, reading mentions, posting replies, reading DMs. Nothing more
    # (replies go to the channel an event came from; the bot never opens or lists DMs).
    assert sorted(MANIFEST["oauth_config"]["scopes"]["bot"]) == [
        "app_mentions:read",
        "chat:write",
        "commands",
        "im:history",
    ]


def test_socket_mode_without_an_app_token_says_what_is_missing() -> None:
    result = run(["-m", "bot", "socket"], {"SLACK_BOT_TOKEN": BOT_TOKEN})
    assert result.returncode == 2
    assert "Socket Mode needs SLACK_BOT_TOKEN and SLACK_APP_TOKEN" in result.stderr
    assert BOT_TOKEN not in result.stderr


def test_with_a_bot_token_but_no_app_token_the_default_is_still_the_shell() -> None:
    result = run(["-m", "bot"], {"SLACK_BOT_TOKEN": BOT_TOKEN}, stdin="nato 20 years\n")
    assert result.returncode == 0, result.stderr
    assert "SLACK_APP_TOKEN is not set" in result.stderr
    assert "NATO membership" in result.stdout


def _boot(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    seeds, knowledge = tmp_path / "seeds", tmp_path / "knowledge"
    settings = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": f"http://127.0.0.1:{free_port()}/api/",  # nobody listens there
        "PEACEBOT_SEEDS_DIR": str(seeds),
        "PEACEBOT_KNOWLEDGE_DIR": str(knowledge),
        "PEACEBOT_STATE_DIR": str(tmp_path / "state"),
        **env,
    }
    return run(["-c", "from bot.server import create_app; create_app()"], settings)


def test_a_web_worker_with_a_broken_fact_base_refuses_to_boot_and_says_why(tmp_path: Path) -> None:
    _, knowledge = copy_fact_base(tmp_path)
    plan = knowledge / "facts" / "plan.toml"
    plan.write_text(
        plan.read_text(encoding="utf-8").replace("Ukraine’s NATO", "Ukraine's NATO", 1),
        encoding="utf-8",
    )
    result = _boot(tmp_path)
    assert result.returncode == 3  # gunicorn halts the whole server on this status
    assert "the fact base does not load" in result.stderr
    assert "not verbatim in seeds/000_80ebed28bbef419f.txt" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_web_worker_that_cannot_reach_slack_refuses_to_boot_cleanly(tmp_path: Path) -> None:
    copy_fact_base(tmp_path)
    result = _boot(tmp_path)
    assert result.returncode == 3
    assert "Slack API unreachable" in result.stderr
    assert "Traceback" not in result.stderr and BOT_TOKEN not in result.stderr
    missing = _boot(tmp_path, SLACK_SIGNING_SECRET="")
    assert missing.returncode == 3 and "SLACK_SIGNING_SECRET is required" in missing.stderr


def test_a_web_worker_with_an_unusable_state_folder_says_so_and_refuses_to_boot(
    tmp_path: Path,
) -> None:
    copy_fact_base(tmp_path)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    result = _boot(tmp_path, PEACEBOT_STATE_DIR=str(blocker / "state"))
    assert result.returncode == 3
    assert f"the state folder {blocker / 'state'} cannot hold the event ledger" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_web_worker_with_an_invalid_setting_says_which_and_refuses_to_boot(
    tmp_path: Path,
) -> None:
    copy_fact_base(tmp_path)
    result = _boot(tmp_path, PEACEBOT_LOG_LEVEL="loud")
    assert result.returncode == 3
    assert "not starting: invalid settings: PEACEBOT_LOG_LEVEL: " in result.stderr
    assert "Traceback" not in result.stderr


def test_the_serving_record_names_this_server_only(tmp_path: Path) -> None:
    assert not has_served(tmp_path)
    record_serving(tmp_path)
    assert has_served(tmp_path)  # a worker of this server (this process's parent) started
    records = tmp_path / SERVERS_DIR
    (records / f"{server_id()}.json").rename(records / "1-0.json")  # another server's record
    assert not has_served(tmp_path)
    (records / f"{server_id(os.getpid())}.json").write_text("{}", encoding="utf-8")
    record_serving(tmp_path)  # several servers may share a state dir: each has its record
    assert has_served(tmp_path)
    names = {p.name for p in records.iterdir()}
    # Records of servers that are gone (pid 1 did not start at tick 0) are removed.
    assert names == {f"{server_id()}.json", f"{server_id(os.getpid())}.json"}
