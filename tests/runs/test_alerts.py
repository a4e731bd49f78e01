"""Alerts mailed to a real SMTP server (aiosmtpd) started by the test."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from finrpa.runs.clock import FakeClock
from finrpa.runs.outbox import AlertOutbox, AlertSender, SmtpMailer
from finrpa.runs.records import RunStatus
from finrpa.runs.settings import RunSettings, SmtpSecurity
from finrpa.runs.store import RunStore
from finrpa.runs.worker import RunWorker
from tests.runs.conftest import BASE_URL, schedule_from

ALERTS = """
[trigger]
type = "business_days"
at = "07:00"
[alerts]
recipients = ["finance-ops@example.org", "controller@example.org"]
exceptions_over = 0
overdue_exceptions = true
"""
FAILING = 'robot = "flaky_robot"\n[input]\nfolder = "inbox"\n' + ALERTS
STEADY = 'robot = "steady_robot"\n' + ALERTS


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def smtp_server(smtp_port: int) -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    yield inbox
    controller.stop()


@pytest.fixture
def mail_settings(settings: RunSettings, smtp_port: int) -> RunSettings:
    return settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": smtp_port,
                                       "smtp_security": SmtpSecurity.NONE,
                                       "smtp_from": "finrpa@example.org"})


def sender(store: RunStore, settings: RunSettings, clock: FakeClock) -> AlertSender:
    return AlertSender(AlertOutbox(store.engine, clock.now), SmtpMailer(settings), clock=clock,
                       owner="sender", retry_seconds=30)


def failed_run(store: RunStore, settings: RunSettings, tmp_path: Path) -> int:
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / "always_fail").touch()
    store.trigger(schedule_from(tmp_path, "payments", FAILING), "test")
    run = RunWorker(store, settings, name="w1").run_once()
    assert run is not None and run.status is RunStatus.FAILED
    return run.id


def test_a_failed_run_mails_its_link_and_error_once(
        store: RunStore, mail_settings: RunSettings, smtp_server: Inbox, tmp_path: Path) -> None:
    run_id = failed_run(store, mail_settings, tmp_path)
    mailer = sender(store, mail_settings, FakeClock(datetime.now(UTC)))
    assert mailer.send_due() == (1, 0)
    assert mailer.send_due() == (0, 0)
    (mail,) = smtp_server.messages
    assert mail["Subject"] == f"[finrpa] payments: run {run_id} failed"
    assert mail["To"] == "finance-ops@example.org, controller@example.org"
    assert mail["X-Finrpa-Event"] == f"run_failed:{run_id}"
    body = mail.get_content()
    assert f"{BASE_URL}/runs/{run_id}" in body
    assert "ERP answered 503 Service Unavailable" in body


def test_smtp_down_delays_the_alert_never_the_run(
        store: RunStore, mail_settings: RunSettings, smtp_port: int, tmp_path: Path) -> None:
    run_id = failed_run(store, mail_settings, tmp_path)  # the run completes with no server
    clock = FakeClock(datetime.now(UTC))
    mailer = sender(store, mail_settings, clock)
    assert mailer.send_due() == (0, 1)
    (waiting,) = AlertOutbox(store.engine, clock.now).list(unsent_only=True)
    assert waiting["attempts"] == 1 and f"127.0.0.1:{smtp_port}" in waiting["last_error"]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        assert mailer.send_due() == (0, 0)  # backing off for 30 s
        clock.advance(timedelta(seconds=31))
        assert mailer.send_due() == (1, 0)
    finally:
        controller.stop()
    (mail,) = inbox.messages
    assert mail["Subject"] == f"[finrpa] payments: run {run_id} failed"
    assert AlertOutbox(store.engine, clock.now).list(unsent_only=True) == []


def test_too_many_exceptions_and_an_overdue_exception_each_alert_once(
        store: RunStore, mail_settings: RunSettings, smtp_server: Inbox, tmp_path: Path) -> None:
    store.trigger(schedule_from(tmp_path, "matching", STEADY), "test")
    run = RunWorker(store, mail_settings, name="w1").run_once()
    assert run is not None and run.items_exceptions == 1
    assert store.enqueue_overdue_alerts() == 1
    assert store.enqueue_overdue_alerts() == 0
    assert sender(store, mail_settings, FakeClock(datetime.now(UTC))).send_due() == (2, 0)
    subjects = sorted(mail["Subject"] for mail in smtp_server.messages)
    assert subjects[0].startswith("[finrpa] matching: run 1 left 1 exceptions (more than 0)")
    assert subjects[1].startswith("[finrpa] overdue exception: item 3 in steady was due")
    overdue = next(m for m in smtp_server.messages if "overdue" in m["Subject"])
    assert f"{BASE_URL}/items/3" in overdue.get_content()
