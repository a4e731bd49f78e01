"""The alert outbox: alerts wait in a table until mailed, so an SMTP outage delays them and
never a run. Each event key is stored once; a sender claims due alerts under a short lease
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL), mails them, and on failure retries with backoff.

Delivery is at least once: a sender that dies between the SMTP server's acceptance and marking
the alert sent mails it again after the lease (a narrow window); an event is never queued twice.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from finrpa.db.schema import alert_outbox
from finrpa.errors import FinrpaError
from finrpa.runs.clock import Clock
from finrpa.runs.records import Alert, OutboxMessage
from finrpa.runs.settings import RunSettings, SmtpSecurity

log = logging.getLogger(__name__)
#: Long subjects stay on one header line (up to RFC 5322's 998), not folded at 78.
_POLICY = policy.SMTP.clone(max_line_length=998)


class AlertDeliveryError(FinrpaError):
    """The SMTP server could not be reached or refused the message."""


def enqueue(connection: Connection, insert: Callable[[Any], Any], alerts: Sequence[Alert],
            now: datetime) -> int:
    """Add alerts in the caller's transaction; an event key already there is ignored."""
    if not alerts:
        return 0
    rows = [{"event_key": alert.event_key, "kind": alert.kind,
             "recipients": list(alert.recipients), "subject": alert.subject, "body": alert.body,
             "run_id": alert.run_id, "item_id": alert.item_id, "created_at": now,
             "next_attempt_at": now, "attempts": 0} for alert in alerts]
    statement = (insert(alert_outbox).on_conflict_do_nothing(index_elements=["event_key"])
                 .returning(alert_outbox.c.id))
    return len(connection.execute(statement, rows).all())


def retry_delay(attempts: int, base_seconds: float, max_seconds: float) -> timedelta:
    """Backoff before resending after ``attempts`` failed tries: base · 2^(attempts-1), capped."""
    return timedelta(seconds=min(base_seconds * 2 ** max(attempts - 1, 0), max_seconds))


class AlertOutbox:
    """The outbox table: claim due alerts, mark them sent or failed, list them."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime]) -> None:
        self.engine = engine
        self.clock = clock
        self._postgres = engine.dialect.name == "postgresql"

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self.engine.begin() as connection:
            yield connection

    def claim_due(self, owner: str, limit: int = 20,
                  lease_seconds: float = 120.0) -> list[OutboxMessage]:
        """Unsent alerts whose time has come and that no other sender holds, now leased."""
        now = self.clock()
        table = alert_outbox
        query = (
            select(table)
            .where(table.c.sent_at.is_(None), table.c.next_attempt_at <= now,
                   (table.c.lease_expires_at.is_(None)) | (table.c.lease_expires_at < now))
            .order_by(table.c.next_attempt_at, table.c.id).limit(limit)
        )
        if self._postgres:
            query = query.with_for_update(skip_locked=True)
        with self._write() as connection:
            rows = connection.execute(query).mappings().all()
            if rows:
                connection.execute(
                    update(table).where(table.c.id.in_([row["id"] for row in rows]))
                    .values(lease_owner=owner,
                            lease_expires_at=now + timedelta(seconds=lease_seconds)))
        return [OutboxMessage(row["id"], row["event_key"], tuple(row["recipients"]),
                              row["subject"], row["body"], row["attempts"]) for row in rows]

    def mark_sent(self, message_id: int, owner: str) -> None:
        """The SMTP server accepted the alert."""
        self._settle(message_id, owner, sent_at=self.clock(), last_error=None)

    def mark_failed(self, message_id: int, owner: str, error: str, attempts: int,
                    retry_at: datetime) -> None:
        """Sending failed: try again at ``retry_at``."""
        self._settle(message_id, owner, attempts=attempts, next_attempt_at=retry_at,
                     last_error=error[:2000])

    def _settle(self, message_id: int, owner: str, **values: Any) -> None:
        with self._write() as connection:
            connection.execute(
                update(alert_outbox)
                .where(alert_outbox.c.id == message_id, alert_outbox.c.lease_owner == owner)
                .values(lease_owner=None, lease_expires_at=None, **values))

    def list(self, *, unsent_only: bool = False, limit: int = 100) -> list[dict[str, Any]]:
        """Outbox rows, newest first (for ops and tests)."""
        query = select(alert_outbox).order_by(alert_outbox.c.id.desc()).limit(limit)
        if unsent_only:
            query = query.where(alert_outbox.c.sent_at.is_(None))
        with self.engine.connect().execution_options(finrpa_readonly=True) as connection:
            return [dict(row) for row in connection.execute(query).mappings()]


class SmtpMailer:
    """Sends one message over SMTP as the settings say (plain, STARTTLS or TLS; login)."""

    def __init__(self, settings: RunSettings) -> None:
        if not settings.smtp_host:
            raise FinrpaError("FINRPA_SMTP_HOST is not set: alerts cannot be mailed")
        self.settings = settings

    def build(self, message: OutboxMessage) -> EmailMessage:
        """The e-mail for an outbox message."""
        email = EmailMessage(policy=_POLICY)
        email["From"] = self.settings.smtp_from
        email["To"] = ", ".join(message.recipients)
        email["Subject"] = message.subject
        email["Date"] = formatdate(localtime=False)
        email["Message-ID"] = make_msgid(domain="finrpa")
        email["X-Finrpa-Event"] = message.event_key
        email.set_content(message.body)
        return email

    def send(self, message: OutboxMessage) -> None:
        """Deliver, or raise AlertDeliveryError naming the server and what went wrong."""
        settings = self.settings
        host, port = settings.smtp_host or "", settings.smtp_port
        try:
            with self._connect(host, port) as smtp:
                if settings.smtp_security is SmtpSecurity.STARTTLS:
                    smtp.starttls(context=ssl.create_default_context())
                if settings.smtp_username:
                    password = settings.smtp_password.get_secret_value() \
                        if settings.smtp_password else ""
                    smtp.login(settings.smtp_username, password)
                smtp.send_message(self.build(message))
        except (smtplib.SMTPException, OSError) as exc:
            raise AlertDeliveryError(f"SMTP {host}:{port}: {type(exc).__name__}: {exc}") from exc

    def _connect(self, host: str, port: int) -> smtplib.SMTP:
        timeout = self.settings.smtp_timeout_seconds
        if self.settings.smtp_security is SmtpSecurity.TLS:
            return smtplib.SMTP_SSL(host, port, timeout=timeout,
                                    context=ssl.create_default_context())
        return smtplib.SMTP(host, port, timeout=timeout)


class AlertSender:
    """Mails due alerts from the outbox; failures wait with exponential backoff."""

    def __init__(self, outbox: AlertOutbox, mailer: SmtpMailer, *, clock: Clock, owner: str,
                 retry_seconds: float = 30.0, retry_max_seconds: float = 1800.0) -> None:
        self.outbox = outbox
        self.mailer = mailer
        self.clock = clock
        self.owner = owner
        self.retry_seconds = retry_seconds
        self.retry_max_seconds = retry_max_seconds

    def send_due(self) -> tuple[int, int]:
        """Send the alerts due now, one at a time; returns (sent, failed).

        The round ends at the first failure: the server is probably down, and the other
        alerts are tried in the next round rather than each waiting for a timeout now.
        """
        sent = 0
        while claimed := self.outbox.claim_due(self.owner, limit=1):
            message = claimed[0]
            try:
                self.mailer.send(message)
            except AlertDeliveryError as exc:
                attempts = message.attempts + 1
                delay = retry_delay(attempts, self.retry_seconds, self.retry_max_seconds)
                self.outbox.mark_failed(message.id, self.owner, str(exc), attempts,
                                        self.clock.now() + delay)
                log.warning("alert %s not sent (try %d), next try in %s: %s",
                            message.event_key, attempts, delay, exc)
                return sent, 1
            self.outbox.mark_sent(message.id, self.owner)
            sent += 1
        return sent, 0

    def run(self, stop: threading.Event, idle_seconds: float = 2.0) -> None:
        """Send due alerts until ``stop`` is set."""
        while not stop.is_set():
            try:
                self.send_due()
            except Exception:
                log.exception("alert sender: sending round failed; trying again")
            if self.clock.sleep(idle_seconds, stop):
                break
