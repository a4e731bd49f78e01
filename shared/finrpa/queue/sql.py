"""The work-item queue on SQLAlchemy: one implementation for SQLite and PostgreSQL.

Claiming differs per backend. PostgreSQL picks rows with ``FOR UPDATE SKIP LOCKED`` so that
concurrent workers pass each other without waiting; SQLite serialises writers with
``BEGIN IMMEDIATE`` (see finrpa.db.engine). Enqueue, claim and complete, which run once per item,
go through the driver-level hot path (finrpa.queue.hotpath); the rest uses SQLAlchemy Core.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    RowMapping,
    func,
    insert,
    select,
    update,
)

from finrpa.db.access import dialect_insert, reading, writing
from finrpa.db.engine import ensure_schema
from finrpa.db.schema import item_events, queues, work_items
from finrpa.domain.items import ItemAction, ItemState, next_state
from finrpa.domain.retry import RetryPolicy, next_attempt_at
from finrpa.errors import InvalidTransition, ItemNotFound, LeaseLost, QueueError
from finrpa.queue import blobs, reads
from finrpa.queue.finishing import finish_leased
from finrpa.queue.hotpath import hot_path_for
from finrpa.queue.payloads import enqueue_payload, validate_payload, validate_payload_update
from finrpa.queue.records import (
    AttachedFile,
    EnqueueResult,
    ItemDigest,
    ItemEvent,
    ItemOutcome,
    NewItem,
    QueueConfig,
    QueueStats,
    WorkItem,
)
from finrpa.queue.review_ops import ReviewOperations

Clock = Callable[[], datetime]

def utc_now() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    return datetime.now(UTC)


class SqlQueueStore(ReviewOperations):
    """QueueStore over an SQLAlchemy engine (SQLite file or PostgreSQL)."""

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Clock = utc_now,
        reap_interval_s: float = 2.0,
        create_schema: bool = True,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.reap_interval_s = reap_interval_s
        self._dialect = engine.dialect.name
        self._hot = hot_path_for(engine)
        self._configs: dict[str, QueueConfig] = {}
        self._last_reap = 0.0
        if create_schema:
            ensure_schema(engine)

    # -- transactions -------------------------------------------------------------------

    def _write(self) -> AbstractContextManager[Connection]:
        return writing(self.engine)

    def _read(self) -> AbstractContextManager[Connection]:
        return reading(self.engine)

    def _insert(self, table: Any) -> Any:
        return dialect_insert(self.engine, table)

    # -- queue settings ----------------------------------------------------------------

    def configure_queue(self, config: QueueConfig) -> None:
        values = config.model_dump()
        with self._write() as connection:
            statement = self._insert(queues).values(**values, created_at=self.clock())
            connection.execute(
                statement.on_conflict_do_update(
                    index_elements=["name"],
                    set_={key: statement.excluded[key] for key in values if key != "name"},
                )
            )
        self._configs[config.name] = config

    def queue_config(self, name: str) -> QueueConfig:
        cached = self._configs.get(name)
        if cached is not None:
            return cached
        with self._read() as connection:
            row = connection.execute(select(queues).where(queues.c.name == name)).mappings().first()
        config = QueueConfig(**{k: v for k, v in row.items() if k != "created_at"}) if row else None
        if config is None:
            return QueueConfig(name=name)
        self._configs[name] = config
        return config

    def _ensure_queue(self, connection: Connection, name: str) -> QueueConfig:
        if name not in self._configs:
            connection.execute(
                self._insert(queues)
                .values(name=name, created_at=self.clock())
                .on_conflict_do_nothing(index_elements=["name"])
            )
            row = connection.execute(select(queues).where(queues.c.name == name)).mappings().one()
            self._configs[name] = QueueConfig(
                **{k: v for k, v in row.items() if k != "created_at"}
            )
        return self._configs[name]

    # -- enqueue -----------------------------------------------------------------------

    def enqueue(self, queue: str, new_item: NewItem, *, actor: str = "system") -> EnqueueResult:
        return self.enqueue_many(queue, [new_item], actor=actor)[0]

    def enqueue_many(
        self, queue: str, new_items: Sequence[NewItem], *, actor: str = "system"
    ) -> list[EnqueueResult]:
        if not new_items:
            return []
        now = self.clock()
        with self._write() as connection:
            config = self._ensure_queue(connection, queue)
        rows = [self._new_row(queue, config, new_item, now) for new_item in new_items]
        return [EnqueueResult(item=item, created=created)
                for item, created in self._hot.enqueue(queue, rows, actor, now)]

    def _new_row(
        self, queue: str, config: QueueConfig, new_item: NewItem, now: datetime
    ) -> dict[str, Any]:
        return {
            "queue": queue,
            "business_key": new_item.business_key,
            "state": ItemState.PENDING.value,
            "priority": new_item.priority,
            "payload": enqueue_payload(config, new_item.payload),
            "due_at": new_item.due_at,
            "available_at": now,
            "attempts": 0,
            "parent_id": new_item.parent_id,
            "run_id": new_item.run_id,
            "files": blobs.checked_files(new_item.files),
            "created_at": now,
            "updated_at": now,
        }

    # -- claiming and leases -----------------------------------------------------------

    def claim(
        self,
        queue: str,
        owner: str,
        *,
        limit: int = 1,
        lease_seconds: float | None = None,
        raw_payload: bool = False,
    ) -> list[WorkItem]:
        self._maybe_reap()
        now = self.clock()
        if lease_seconds is None:
            lease_seconds = self.queue_config(queue).lease_seconds
        lease = lease_seconds
        items = self._hot.claim(queue, owner, limit, now, now + timedelta(seconds=lease),
                                raw_payload)
        items.sort(key=lambda item: (-item.priority, item.id))
        return items

    def extend_lease(self, item_id: int, owner: str, seconds: float) -> datetime:
        expires = self.clock() + timedelta(seconds=seconds)
        with self._write() as connection:
            result = connection.execute(
                update(work_items)
                .where(work_items.c.id == item_id, work_items.c.lease_owner == owner,
                       work_items.c.state == ItemState.IN_PROGRESS.value)
                .values(lease_expires_at=expires)
            )
            if result.rowcount != 1:
                raise LeaseLost(item_id, owner)
        return expires

    def complete(self, item_id: int, owner: str) -> None:
        if not self._hot.complete(item_id, owner, self.clock()):
            with self._read() as connection:
                self._raise_not_leased(connection, item_id, owner)

    def release(self, item_id: int, owner: str) -> None:
        self._leased_transition(
            item_id, owner, ItemAction.RELEASE, {"attempts": work_items.c.attempts - 1}, {}
        )

    def fail_application(self, item_id: int, owner: str, code: str | None,
                         message: str | None) -> ItemState:
        def values(row: RowMapping, now: datetime) -> dict[str, Any]:
            retry_at = next_attempt_at(self._policy(row["queue"]), row["attempts"], now)
            return {"available_at": retry_at or now, "reason_code": code, "message": message}

        detail = {"code": code, "message": message}
        return self._leased_transition(item_id, owner, ItemAction.APPLICATION_EXCEPTION,
                                       values, detail)

    def fail_business(self, item_id: int, owner: str, code: str | None, message: str | None,
                      evidence: Any = None) -> ItemState:
        detail = {"code": code, "message": message}
        values = {"reason_code": code, "message": message, "evidence": evidence}
        return self._leased_transition(item_id, owner, ItemAction.BUSINESS_EXCEPTION,
                                       values, detail)

    def finish_many(self, owner: str, outcomes: Sequence[ItemOutcome]) -> list[ItemState]:
        if not outcomes:
            return []
        return finish_leased(
            self._hot, owner, outcomes, self.clock(),
            max_attempts=lambda queue: self.queue_config(queue).max_attempts,
            validate_update=lambda queue, update: validate_payload_update(
                self.queue_config(queue), update),
            summarise=lambda queue, payload, evidence: self._summary(queue, payload, evidence),
        )

    def _policy(self, queue: str) -> RetryPolicy:
        config = self.queue_config(queue)
        return RetryPolicy(config.max_attempts, config.base_delay_s, config.backoff_factor,
                           config.max_delay_s)

    def _leased_transition(
        self,
        item_id: int,
        owner: str,
        action: ItemAction,
        values: dict[str, Any] | Callable[[RowMapping, datetime], dict[str, Any]],
        detail: dict[str, Any],
    ) -> ItemState:
        now = self.clock()
        with self._write() as connection:
            row = self._locked_row(connection, item_id)
            if row["state"] != ItemState.IN_PROGRESS.value or row["lease_owner"] != owner:
                raise LeaseLost(item_id, owner)
            target = next_state(ItemState(row["state"]), action, attempts=row["attempts"],
                                max_attempts=self.queue_config(row["queue"]).max_attempts)
            extra = values(row, now) if callable(values) else values
            self._apply(connection, row, target, extra, now)
            self._event(connection, item_id, owner, action.value, row["state"], target,
                        {"attempt": row["attempts"], **detail}, now)
        return target

    def reap_expired(self) -> int:
        """Return items whose lease ran out to pending (or failed at the limit)."""
        now = self.clock()
        reaped = 0
        with self._write() as connection:
            query = (
                select(work_items)
                .where(work_items.c.state == ItemState.IN_PROGRESS.value,
                       work_items.c.lease_expires_at < now)
                .limit(500)
            )
            if self._dialect == "postgresql":
                query = query.with_for_update(skip_locked=True)
            for row in connection.execute(query).mappings().all():
                target = next_state(ItemState.IN_PROGRESS, ItemAction.LEASE_EXPIRED,
                                    attempts=row["attempts"],
                                    max_attempts=self.queue_config(row["queue"]).max_attempts)
                self._apply(connection, row, target, {"available_at": now}, now)
                self._event(connection, row["id"], "system:lease-reaper", "lease_expired",
                            row["state"], target,
                            {"attempt": row["attempts"], "owner": row["lease_owner"]}, now)
                reaped += 1
        return reaped

    def _maybe_reap(self) -> None:
        if time.monotonic() - self._last_reap >= self.reap_interval_s:
            self._last_reap = time.monotonic()
            self.reap_expired()

    # -- people's decisions ------------------------------------------------------------

    def decide(self, item_id: int, action: ItemAction, actor: str, note: str | None = None,
               corrected_payload: Any = None) -> WorkItem:
        action = ItemAction(action)
        if action not in {ItemAction.ACCEPT, ItemAction.REJECT, ItemAction.REQUEUE,
                          ItemAction.RETRY}:
            raise QueueError(f"{action} is not a decision")
        if action is ItemAction.REJECT and not (note and note.strip()):
            raise QueueError("a rejection needs a reason")
        now = self.clock()
        with self._write() as connection:
            row = self._locked_row(connection, item_id)
            target = next_state(ItemState(row["state"]), action)
            values: dict[str, Any] = {}
            detail: dict[str, Any] = {"note": note}
            if action in {ItemAction.REQUEUE, ItemAction.RETRY}:
                values.update(available_at=now, attempts=0)
            if corrected_payload is not None:
                if action is not ItemAction.REQUEUE:
                    raise QueueError("only a requeue can carry a corrected payload")
                config = self.queue_config(row["queue"])
                values["payload"] = validate_payload(config, corrected_payload)
                detail["changes"] = reads.payload_changes(row["payload"], values["payload"])
            self._apply(connection, row, target, values, now)
            self._event(connection, item_id, actor, action.value, row["state"], target,
                        detail, now)
        return self.get(item_id)

    def record_event(self, item_id: int, actor: str, action: str,
                     detail: dict[str, Any] | None = None) -> None:
        with self._write() as connection:
            row = self._locked_row(connection, item_id)
            self._event(connection, item_id, actor, action, row["state"], None, detail,
                        self.clock())

    def save_payload(self, item_id: int, payload: Any, *, actor: str) -> None:
        now = self.clock()

        def validated(queue: str, _before: Any) -> Any:
            return validate_payload(self.queue_config(queue), payload)

        # A robot saves the payload of the item it holds once or twice per item: on the driver.
        # Items in review go the general way, which also refreshes the review summary columns.
        if self._hot.save_leased_payload(item_id, validated, actor, now) is not None:
            return
        with self._write() as connection:
            row = self._locked_row(connection, item_id)
            validated = validate_payload(self.queue_config(row["queue"]), payload)
            if validated == row["payload"]:
                return
            connection.execute(update(work_items).where(work_items.c.id == item_id)
                               .values(payload=validated, updated_at=now,
                                       **self._payload_summary(row, validated)))
            self._event(connection, item_id, actor, "payload_saved", row["state"], None,
                        {"changes": reads.payload_changes(row["payload"], validated)}, now)

    # -- files ---------------------------------------------------------------------------

    def add_file(self, item_id: int, name: str, content: bytes, *, actor: str) -> AttachedFile:
        now = self.clock()
        with self._write() as connection:
            row = self._locked_row(connection, item_id)
            attached = blobs.attach(connection, self._insert, item_id, name, content, now)
            self._event(connection, item_id, actor, "file_added", row["state"], None,
                        {"name": name, "sha256": attached.sha256, "size": attached.size}, now)
        return attached

    def remove_file(self, item_id: int, name: str, *, actor: str) -> None:
        now = self.clock()
        with self._write() as connection:
            row = self._locked_row(connection, item_id)
            blobs.detach(connection, item_id, name)
            self._event(connection, item_id, actor, "file_removed", row["state"], None,
                        {"name": name}, now)

    def list_files(self, item_id: int) -> list[AttachedFile]:
        # Robots list an item's files once per item: on the driver, without SQLAlchemy's cost.
        return self._hot.list_files(item_id)

    def get_file(self, item_id: int, name: str) -> bytes:
        with self._read() as connection:
            return blobs.read_attached(connection, item_id, name)

    # -- reads ---------------------------------------------------------------------------

    def get(self, item_id: int) -> WorkItem:
        with self._read() as connection:
            row = connection.execute(
                select(work_items).where(work_items.c.id == item_id)
            ).mappings().first()
        if row is None:
            raise ItemNotFound(item_id)
        return reads.to_item(row)

    def list_items(self, *, queue: str | None = None, state: ItemState | None = None,
                   limit: int = 100, after_id: int | None = None) -> list[WorkItem]:
        with self._read() as connection:
            return reads.list_items(connection, queue, state, limit, after_id)

    def find_by_keys(self, queue: str, keys: Sequence[str]) -> dict[str, WorkItem]:
        with self._read() as connection:
            found = reads.items_by_keys(connection, queue, list(keys))
        return {key: reads.to_item(row) for key, row in found.items()}

    def children(self, item_id: int) -> list[WorkItem]:
        with self._read() as connection:
            return reads.children(connection, item_id)

    def events(self, item_id: int) -> list[ItemEvent]:
        with self._read() as connection:
            return reads.events(connection, item_id)

    def stats(self, queue: str | None = None) -> list[QueueStats]:
        with self._read() as connection:
            return reads.stats(connection, queue)

    def count(self, queue: str, state: ItemState) -> int:
        with self._read() as connection:
            return connection.execute(
                select(func.count()).select_from(work_items)
                .where(work_items.c.queue == queue, work_items.c.state == state.value)
            ).scalar_one()

    def digests(
        self, queue: str, paths: Sequence[str] = (), *, keys: Sequence[str] | None = None,
        states: Collection[ItemState] | None = None, without_children_in: str | None = None,
    ) -> list[ItemDigest]:
        with self._read() as connection:
            return reads.digests(connection, queue, paths, keys, states, without_children_in)

    # -- helpers -------------------------------------------------------------------------

    def _locked_row(self, connection: Connection, item_id: int) -> RowMapping:
        query = select(work_items).where(work_items.c.id == item_id)
        if self._dialect == "postgresql":
            query = query.with_for_update()
        row = connection.execute(query).mappings().first()
        if row is None:
            raise ItemNotFound(item_id)
        return row

    def _raise_not_leased(self, connection: Connection, item_id: int, owner: str) -> None:
        self._locked_row(connection, item_id)  # raises ItemNotFound when there is none
        raise LeaseLost(item_id, owner)

    def _apply(self, connection: Connection, row: RowMapping, target: ItemState,
               values: dict[str, Any], now: datetime) -> None:
        if target is not ItemState.IN_PROGRESS:
            values = {"lease_owner": None, "lease_expires_at": None, **values}
        values = self._with_summary(row, target, values)
        connection.execute(
            update(work_items).where(work_items.c.id == row["id"])
            .values(state=target.value, updated_at=now, **values)
        )

    def _event(self, connection: Connection, item_id: int, actor: str, action: str,
               from_state: str | None, to_state: ItemState | str | None,
               detail: dict[str, Any] | None, now: datetime) -> None:
        connection.execute(insert(item_events).values(
            item_id=item_id, at=now, actor=actor, action=action, from_state=from_state,
            to_state=str(to_state) if to_state is not None else None, detail=detail))


__all__ = ["InvalidTransition", "SqlQueueStore", "utc_now"]
