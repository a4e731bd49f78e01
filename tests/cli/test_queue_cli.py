"""The ``finrpa`` command line, on a real database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from finrpa.cli.main import app
from finrpa.db.engine import make_engine
from finrpa.queue.records import QueueConfig
from finrpa.queue.sql import SqlQueueStore

runner = CliRunner()


@pytest.fixture
def env_db(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("FINRPA_DATABASE_URL", database_url)
    return database_url


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def test_add_list_show_stats(env_db: str, tmp_path: Path) -> None:
    payload = tmp_path / "invoice.json"
    payload.write_text(json.dumps({"invoice_number": "INV-1", "seller": "Åbo Papper Ab"}))
    code, out = invoke("queue", "add", "invoices", "--payload", str(payload), "--key", "INV-1")
    assert code == 0 and "added work item 1" in out
    code, out = invoke("queue", "add", "invoices", "--payload", str(payload), "--key", "INV-1",
                       "--json")
    assert code == 0
    answer = json.loads(out)
    assert answer["created"] is False and answer["item"]["id"] == 1
    code, out = invoke("queue", "list", "--json")
    (item,) = json.loads(out)
    assert item["payload"]["seller"] == "Åbo Papper Ab" and item["state"] == "pending"
    code, out = invoke("queue", "list", "--state", "done", "--json")
    assert json.loads(out) == []
    code, out = invoke("queue", "show", "1", "--json")
    shown = json.loads(out)
    assert [event["action"] for event in shown["events"]] == ["enqueue"]
    code, out = invoke("queue", "stats", "--json")
    assert json.loads(out) == [{"queue": "invoices", "counts": {"pending": 1}, "total": 1}]
    code, out = invoke("queue", "stats")
    assert code == 0 and "invoices" in out


def test_retry_a_failed_item(env_db: str) -> None:
    store = SqlQueueStore(make_engine(env_db))
    store.configure_queue(QueueConfig(name="q", max_attempts=1))
    from finrpa.queue.records import NewItem

    item_id = store.enqueue("q", NewItem(payload={})).item.id
    store.claim("q", "w")
    store.fail_application(item_id, "w", "DOWN", "system down")
    code, out = invoke("queue", "retry", str(item_id), "--note", "system back")
    assert code == 0 and "pending again" in out
    code, out = invoke("queue", "retry", str(item_id))
    assert code == 1 and "cannot retry a work item that is pending" in out


def test_errors_name_what_was_wrong(env_db: str, tmp_path: Path) -> None:
    code, out = invoke("queue", "show", "4242")
    assert code == 1 and "no work item with id 4242" in out
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    code, out = invoke("queue", "add", "q", "--payload", str(bad))
    assert code == 2 and "bad.json: not valid JSON" in out
    code, out = invoke("queue", "add", "q", "--payload", str(tmp_path / "missing.json"))
    assert code == 2 and "does not exist" in out
    code, out = invoke("queue", "list", "--state", "sleeping")
    assert code == 2
    code, out = invoke("run", "no_such_robot")
    assert code == 1 and "no robot 'no_such_robot'" in out
