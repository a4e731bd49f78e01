"""``finrpa schedules`` and ``finrpa runs`` on a real database and real schedule files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from finrpa.cli.main import app
from tests.runs.conftest import ROBOTS_DIR, write_schedule

runner = CliRunner()
CLOSING = """
robot = "flaky_robot"
[trigger]
type = "business_days"
at = "07:00"
[input]
folder = "inbox"
"""
NIGHTLY = """
robot = "hang_robot"
[trigger]
type = "cron"
expression = "30 3 * * *"
"""


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "schedules"
    write_schedule(folder, "closing", CLOSING)
    write_schedule(folder, "nightly", NIGHTLY)
    (tmp_path / "inbox").mkdir()
    for name, value in {"DATABASE_URL": f"sqlite:///{tmp_path / 'finrpa.db'}",
                        "SCHEDULES_DIR": str(folder), "ROBOTS_DIR": str(ROBOTS_DIR),
                        "HOME": str(tmp_path / "home"), "PROJECT_DIR": str(tmp_path)}.items():
        monkeypatch.setenv(f"FINRPA_{name}", value)
    return folder


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def test_preview_marks_holidays_and_dst(env: Path) -> None:
    code, out = invoke("schedules", "preview", "closing", "--next", "2",
                       "--after", "2026-12-23T12:00+02:00", "--json")
    assert code == 0
    first, second = json.loads(out)
    assert first["fire_time"] == "2026-12-28T07:00:00+02:00"
    assert "skipped Thu 2026-12-24: Christmas Eve" in first["notes"]
    assert second["fire_time"] == "2026-12-29T07:00:00+02:00"
    code, out = invoke("schedules", "preview", "nightly", "--next", "1",
                       "--after", "2027-03-27T12:00+02:00", "--json")
    (spring,) = json.loads(out)
    assert spring["fire_time"] == "2027-03-28T04:00:00+03:00"
    assert "does not exist" in spring["notes"][0]
    code, out = invoke("schedules", "preview", "closing", "--next", "3")
    assert code == 0 and "07:00:00 EET" in out


def test_bad_usage_exits_2_and_failures_exit_1_naming_the_problem(env: Path) -> None:
    code, out = invoke("schedules", "preview", "nope")
    assert code == 1 and "no schedule 'nope'" in out and "closing, nightly" in out
    code, out = invoke("schedules", "preview", "closing", "--after", "tomorrow")
    assert code == 2 and "--after 'tomorrow'" in out
    code, out = invoke("schedules", "preview", "closing", "--after", "2026-12-01T07:00")
    assert code == 2 and "time zone offset" in out
    code, out = invoke("runs", "show", "999")
    assert code == 1 and "no run with id 999" in out
    code, _ = invoke("runs", "list", "--status", "exploded")
    assert code == 2


def test_check_names_the_file_and_the_problem(env: Path) -> None:
    assert invoke("schedules", "check")[0] == 0
    write_schedule(env, "ghost", CLOSING.replace("flaky_robot", "ghost_robot"))
    write_schedule(env, "typo", CLOSING.replace("[trigger]", "[triger]"))
    code, out = invoke("schedules", "check", "--json")
    assert code == 1
    report = json.loads(out)
    assert report["ok"] == ["closing", "nightly"]
    problems = "\n".join(report["problems"])
    assert f"{env / 'ghost.toml'}: robot: no folder 'ghost_robot'" in problems
    assert f"{env / 'typo.toml'}: triger: unknown setting" in problems


def test_pause_resume_and_list(env: Path) -> None:
    code, out = invoke("schedules", "pause", "nightly", "--by", "alice")
    assert code == 0 and "paused" in out
    code, out = invoke("schedules", "list", "--json")
    listed = {row["name"]: row for row in json.loads(out)["schedules"]}
    assert listed["nightly"]["paused"] is True and listed["closing"]["paused"] is False
    assert listed["closing"]["trigger"].startswith("every business day at 07:00")
    code, out = invoke("schedules", "list")
    assert code == 0 and "paused" in out and "active" in out
    invoke("schedules", "resume", "nightly")
    code, out = invoke("schedules", "list", "--json")
    assert all(not row["paused"] for row in json.loads(out)["schedules"])
    assert invoke("schedules", "pause", "nope")[0] == 1


def test_trigger_then_runs_list_show_and_logs(env: Path) -> None:
    code, out = invoke("schedules", "trigger", "closing", "--json")
    assert code == 0
    run_id = json.loads(out)["id"]
    code, out = invoke("runs", "logs", str(run_id))
    assert code == 1 and f"run {run_id} has no logs (it is queued)" in out
    code, out = invoke("worker", "--once")
    assert code == 0 and f"run {run_id}: failed" in out  # flaky_robot fails its first run
    code, out = invoke("runs", "list", "--json")
    (run,) = json.loads(out)
    assert run["status"] == "failed" and run["origin"] == "manual"
    code, out = invoke("runs", "show", str(run_id))
    assert code == 0 and "ERP answered 503" in out and "log.html" in out
    code, out = invoke("runs", "logs", str(run_id))
    assert code == 0 and "RuntimeError: ERP answered 503" in out
    code, out = invoke("runs", "logs", str(run_id), "--html")
    assert code == 0 and out.strip().endswith("logs/main/log.html")
    code, out = invoke("runs", "list", "--status", "succeeded", "--json")
    assert json.loads(out) == []
