"""The runs pages and the runs API: what ops see, who else is refused, logs served safely."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from finrpa.runs.records import RunOutcome, RunRecord, RunStatus
from finrpa.runs.store import RunStore
from finrpa.web.errors import RunLogNotFound
from finrpa.web.runs_views import step_file
from finrpa.web.security import LOG_CSP
from finrpa.web.services import Services
from tests.runs.conftest import schedule_from

Client = Callable[[str | None], Any]
EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>'
LOG_HTML = "<!doctype html><html><body><script>window.robocorp = 1</script>log</body></html>"


def schedule_text(robot: str) -> str:
    return f'robot = "{robot}"\n[trigger]\ntype = "cron"\nexpression = "30 3 * * *"\n'


def make_run(services: Services, tmp_path: Path, name: str = "closing",
             status: RunStatus | None = RunStatus.SUCCEEDED, error: str | None = None,
             logs: dict[str, dict[str, str]] | None = None) -> RunRecord:
    """A run of schedule ``name`` through the runs store, ended with ``status`` (None: left
    queued), with ``logs`` ({step: {file name: text}}) written under its run folder."""
    store: RunStore = services.runs
    run = store.trigger(schedule_from(tmp_path, name, schedule_text("steady_robot")), "olli")
    if status is None:
        return run
    claimed = store.claim("worker-1", 60)
    assert claimed is not None and claimed.id == run.id
    folder = services.run_settings.run_dir(run.id)
    for step, files in (logs or {}).items():
        (folder / "logs" / step).mkdir(parents=True, exist_ok=True)
        for file_name, text in files.items():
            (folder / "logs" / step / file_name).write_text(text, encoding="utf-8")
    exit_code = 0 if status is RunStatus.SUCCEEDED else 1
    closed, _ = store.finish(run.id, "worker-1", RunOutcome(status, exit_code, error,
                                                            str(folder)))
    return closed


def token_for(services: Services, name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {services.accounts.create_token(name)}"}


def test_ops_sees_the_list_filters_and_pages(services: Services, tmp_path: Path,
                                             client_for: Client) -> None:
    ok = make_run(services, tmp_path, "closing", logs={"main": {"log.html": LOG_HTML}})
    failed = make_run(services, tmp_path, "nightly", RunStatus.FAILED, "ERP answered 503\nmore")
    queued = make_run(services, tmp_path, "closing", None)
    client = client_for("olli")
    page = client.get("/runs")
    assert page.status_code == 200
    text = page.text
    assert text.index(f'data-run="{queued.id}"') < text.index(f'data-run="{failed.id}"') \
        < text.index(f'data-run="{ok.id}"')  # newest first
    assert 'class="badge ok">succeeded<' in text and 'class="badge danger">failed<' in text
    assert "ERP answered 503" in text and "steady_robot" in text
    assert f'href="/runs/{ok.id}/log/main"' in text  # the link to the run's log
    assert 'href="/runs"' in client.get("/queue").text  # the nav link, for ops
    only_failed = client.get("/runs?status=failed&schedule=").text
    assert f'data-run="{failed.id}"' in only_failed and f'data-run="{ok.id}"' not in only_failed
    closing = client.get("/runs?schedule=closing&status=").text
    assert f'data-run="{failed.id}"' not in closing and f'data-run="{ok.id}"' in closing
    services.settings.page_size = 2
    first = client.get("/runs").text
    assert f'href="/runs?before={failed.id}"' in first and f'data-run="{ok.id}"' not in first
    second = client.get(f"/runs?before={failed.id}").text
    assert f'data-run="{ok.id}"' in second and f'data-run="{failed.id}"' not in second
    assert 'rel="next"' not in second


def test_ops_sees_one_run_and_its_logs(services: Services, tmp_path: Path,
                                       client_for: Client) -> None:
    run = make_run(services, tmp_path, status=RunStatus.FAILED, error="boom\nTraceback...",
                   logs={"main": {"log.html": LOG_HTML, "console.txt": "hello from the robot\n"},
                         "prepare": {"console.txt": "prep\n"}})
    client = client_for("olli")
    page = client.get(f"/runs/{run.id}")
    assert page.status_code == 200
    for fact in ("steady_robot", "closing", "boom", "Traceback...", "Exit code",
                 f"/runs/{run.id}/log/main", f"/runs/{run.id}/console/main",
                 f"/runs/{run.id}/console/prepare", str(services.run_settings.run_dir(run.id))):
        assert fact in page.text, fact
    log = client.get(f"/runs/{run.id}/log/main")
    assert log.status_code == 200 and log.text == LOG_HTML
    assert log.headers["content-type"].startswith("text/html")
    assert log.headers["content-security-policy"] == LOG_CSP  # sandboxed, not the app's CSP
    assert log.headers["content-disposition"].startswith("inline")
    download = client.get(f"/runs/{run.id}/log/main?download=1")
    assert download.headers["content-disposition"].startswith("attachment")
    assert download.headers["content-type"] == "application/octet-stream"
    console = client.get(f"/runs/{run.id}/console/main")
    assert console.text == "hello from the robot\n"
    assert console.headers["content-type"].startswith("text/plain")
    assert "default-src 'self'" in console.headers["content-security-policy"]
    assert client.get(f"/runs/{run.id}/log/prepare").status_code == 404  # no log.html there
    assert client.get(f"/runs/{run.id + 100}").status_code == 404


def test_the_api_gives_the_same_facts_to_an_ops_token(services: Services, tmp_path: Path,
                                                       client_for: Client) -> None:
    first = make_run(services, tmp_path, logs={"main": {"log.html": LOG_HTML}})
    second = make_run(services, tmp_path, "nightly", RunStatus.FAILED, "ERP answered 503")
    api, headers = client_for(None), token_for(services, "olli")
    listed = api.get("/api/v1/runs?limit=1", headers=headers).json()
    assert [run["id"] for run in listed["runs"]] == [second.id]
    assert listed["next_before"] == second.id
    rest = api.get(f"/api/v1/runs?before={second.id}", headers=headers).json()
    assert [run["id"] for run in rest["runs"]] == [first.id] and rest["next_before"] is None
    failed = api.get("/api/v1/runs?status=failed", headers=headers).json()["runs"]
    assert [run["id"] for run in failed] == [second.id]
    detail = api.get(f"/api/v1/runs/{first.id}", headers=headers).json()
    assert detail["run"]["status"] == "succeeded" and detail["run"]["robot"] == "steady_robot"
    assert detail["logs"] == [{"task": "main", "log_url": f"/runs/{first.id}/log/main",
                               "console_url": None}]
    assert api.get(f"/runs/{first.id}/log/main", headers=headers).text == LOG_HTML
    missing = api.get("/api/v1/runs/999999", headers=headers)
    assert missing.status_code == 404 and missing.json()["code"] == "run_not_found"


def test_only_ops_and_admins_see_runs(services: Services, tmp_path: Path,
                                      client_for: Client) -> None:
    run = make_run(services, tmp_path, logs={"main": {"log.html": LOG_HTML,
                                                      "console.txt": "x"}})
    services.accounts.add_user("adele", "admin", None, language="en")
    admin = client_for(None)
    assert admin.get("/api/v1/runs", headers=token_for(services, "adele")).status_code == 200
    reviewer = client_for("riikka")
    assert 'href="/runs"' not in reviewer.get("/queue").text
    for path in ("/runs", f"/runs/{run.id}", f"/runs/{run.id}/log/main",
                 f"/runs/{run.id}/console/main"):
        response = reviewer.get(path)
        assert response.status_code == 403, path
        assert LOG_HTML not in response.text
    for name in ("riikka", "aino", "botti"):
        headers = token_for(services, name)
        for path in ("/api/v1/runs", f"/api/v1/runs/{run.id}"):
            response = client_for(None).get(path, headers=headers)
            assert response.status_code == 403, (name, path)
            assert response.json()["code"] == "not_permitted"


def test_without_a_session_the_runs_pages_send_to_sign_in(services: Services, tmp_path: Path,
                                                          client_for: Client) -> None:
    from tests.web.test_security import every_endpoint

    run = make_run(services, tmp_path, logs={"main": {"log.html": LOG_HTML}})
    endpoints = every_endpoint(client_for(None).app)
    for route in ("/runs", "/runs/{run_id}", "/runs/{run_id}/log/{step}",
                  "/runs/{run_id}/console/{step}", "/api/v1/runs", "/api/v1/runs/{run_id}"):
        assert (route, "GET") in endpoints, route  # so the security test checks them too
    anonymous = client_for(None)
    for path in ("/runs", f"/runs/{run.id}", f"/runs/{run.id}/log/main"):
        response = anonymous.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert anonymous.get(f"/api/v1/runs/{run.id}").status_code == 401


@pytest.mark.parametrize("step", ["../../etc/passwd", "..", "../main", "%2e%2e", "main/../..",
                                  "..%2F..%2Fetc%2Fpasswd", "/etc/passwd", "logs", "."])
def test_log_paths_outside_the_runs_steps_are_refused(
        services: Services, tmp_path: Path, client_for: Client, step: str) -> None:
    run = make_run(services, tmp_path, logs={"main": {"log.html": LOG_HTML,
                                                      "console.txt": "x"}})
    secret = services.run_settings.run_dir(run.id) / "log.html"
    secret.write_text("outside the logs folder", encoding="utf-8")
    client = client_for("olli")
    for kind in ("log", "console"):
        with pytest.raises(RunLogNotFound):  # the name as it reaches the route, unnormalised
            step_file(services, run, step, kind)
        response = client.get(f"/runs/{run.id}/{kind}/{step}")
        # the client resolves dot segments ("/runs/1/log/.." is "/runs/1"): whatever page that
        # is, it is no file outside the step folders
        assert response.status_code != 200 or response.url.path != f"/runs/{run.id}/{kind}/{step}"
        assert "outside the logs folder" not in response.text
        assert "root:" not in response.text


def test_a_symbolic_link_out_of_the_logs_folder_is_refused(
        services: Services, tmp_path: Path, client_for: Client) -> None:
    run = make_run(services, tmp_path, logs={"main": {"log.html": LOG_HTML}})
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "log.html").write_text("not a log of this run", encoding="utf-8")
    (services.run_settings.run_dir(run.id) / "logs" / "linked").symlink_to(outside)
    response = client_for("olli").get(f"/runs/{run.id}/log/linked")
    assert response.status_code == 404 and "not a log" not in response.text


def test_markup_in_an_error_is_shown_as_text(services: Services, tmp_path: Path,
                                             client_for: Client) -> None:
    run = make_run(services, tmp_path, status=RunStatus.FAILED, error=f"Paha {EVIL} virhe")
    client = client_for("olli")
    for page in (client.get("/runs").text, client.get(f"/runs/{run.id}").text,
                 client.get(f"/runs?schedule={EVIL}").text):
        assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in client.get(f"/runs/{run.id}").text


def test_the_runs_pages_speak_the_users_language(services: Services, tmp_path: Path,
                                                 client_for: Client) -> None:
    run = make_run(services, tmp_path, status=RunStatus.TIMED_OUT)
    services.accounts.add_user("outi", "ops", "correct horse battery staple", language="fi")
    page = client_for("outi").get(f"/runs/{run.id}").text
    assert "aikakatkaistu" in page and f"Ajo {run.id}" in page
