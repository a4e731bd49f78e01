"""The exception queue as a list: filters, sort orders and keyset pages over ``work_items``.

Every query repeats the review-state predicate word for word and reads only the ``summary_*``
columns, so both databases serve a page from one of the partial review indexes (see
finrpa.db.schema) however many items the database holds. Pages are keyset pages: a cursor holds
the last row's sort value and id, never an offset. Sort orders on a column that may be empty
(due date, amount, supplier) list the rows that have a value first, then the empty ones by id.

No page counts all matching items. The counts per reason are one grouped index scan, kept for a
few seconds per (state, queue).
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Select,
    func,
    literal_column,
    select,
    text,
    tuple_,
)

from finrpa.db.schema import REVIEW_STATES_SQL, approvals, queues, work_items
from finrpa.domain.items import ItemState
from finrpa.queue.summaries import search_key

w = work_items.c
_PREFIX_END = "\U0010ffff"
_COLUMNS = (w.id, w.queue, w.state, w.reason_code, w.message, w.summary_title, w.summary_supplier,
            w.summary_amount_minor, w.summary_currency, w.due_at, w.assignee, w.created_at,
            w.available_at, w.summary_supplier_key, approvals.c.actor.label("first_approval_by"))
#: Each row with the first approval waiting on it, if any (one per item: a unique index).
_FROM = work_items.outerjoin(
    approvals, (approvals.c.item_id == w.id) & (approvals.c.status == literal_column("'pending'")))


class Sort(StrEnum):
    """Sort orders of the queue page."""

    OLDEST = "oldest"
    NEWEST = "newest"
    DUE = "due"
    AMOUNT_DESC = "amount_desc"
    AMOUNT_ASC = "amount_asc"
    SUPPLIER = "supplier"


class StateFilter(StrEnum):
    """Which of the states people work on to list."""

    NEEDS_REVIEW = "needs_review"
    FAILED = "failed"
    ALL = "all"


#: sort -> (column or None for the id, descending)
_SORTS: dict[Sort, tuple[Any, bool]] = {
    Sort.OLDEST: (None, False),
    Sort.NEWEST: (None, True),
    Sort.DUE: (w.due_at, False),
    Sort.AMOUNT_DESC: (w.summary_amount_minor, True),
    Sort.AMOUNT_ASC: (w.summary_amount_minor, False),
    Sort.SUPPLIER: (w.summary_supplier_key, False),
}


class ReviewFilter(BaseModel):
    """What the reviewer asked to see. ``assignee`` "-" means nobody."""

    model_config = ConfigDict(frozen=True)

    queue: str | None = Field(default=None, max_length=100)
    state: StateFilter = StateFilter.NEEDS_REVIEW
    reason: str | None = Field(default=None, max_length=100)
    supplier: str | None = Field(default=None, max_length=300)
    q: str | None = Field(default=None, max_length=300)
    amount_min: Decimal | None = Field(default=None, ge=0, le=Decimal("1e12"))
    amount_max: Decimal | None = Field(default=None, ge=0, le=Decimal("1e12"))
    min_age: int | None = Field(default=None, ge=0, le=3650)
    assignee: str | None = Field(default=None, max_length=200)
    overdue: bool = False
    postponed: bool = False
    awaiting_approval: bool = False
    sort: Sort = Sort.OLDEST

    @model_validator(mode="before")
    @classmethod
    def _blank_is_unset(cls, data: Any) -> Any:
        """An empty form field means "no filter"."""
        if isinstance(data, Mapping):
            return {key: value for key, value in data.items()
                    if not (isinstance(value, str) and not value.strip())}
        return data

    def params(self) -> dict[str, str]:
        """The filter as query parameters (defaults left out), for links and exports."""
        values = self.model_dump(exclude_defaults=True, mode="json")
        return {key: ("1" if value is True else str(value)) for key, value in values.items()}


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: after (value, id) in ``phase`` 0, after id in phase 1."""

    phase: int
    value: Any
    id: int


def encode_cursor(sort: Sort, cursor: Cursor) -> str:
    value = cursor.value.isoformat() if isinstance(cursor.value, datetime) else cursor.value
    raw = json.dumps([sort.value, cursor.phase, value, cursor.id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(sort: Sort, token: str | None) -> Cursor | None:
    """The cursor in ``token``; None for no token or one that does not fit ``sort``."""
    if not token:
        return None
    try:
        raw = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        sort_name, phase, value, item_id = raw
        if sort_name != sort.value or phase not in (0, 1) or not isinstance(item_id, int):
            return None
        if sort is Sort.DUE and phase == 0:
            value = datetime.fromisoformat(value)
        elif phase == 0 and _SORTS[sort][0] is not None and not isinstance(value, int | str):
            return None
    except (ValueError, TypeError, json.JSONDecodeError):
        return None
    return Cursor(phase=phase, value=value, id=item_id)


@dataclass(frozen=True)
class QueueRow:
    """One line of the queue page."""

    id: int
    queue: str
    state: ItemState
    reason_code: str | None
    message: str | None
    title: str | None
    supplier: str | None
    amount: Decimal | None
    currency: str | None
    due_at: datetime | None
    assignee: str | None
    created_at: datetime
    available_at: datetime
    first_approval_by: str | None = None


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    next_cursor: str | None


def _row(mapping: Any) -> QueueRow:
    minor = mapping["summary_amount_minor"]
    return QueueRow(
        id=mapping["id"], queue=mapping["queue"], state=ItemState(mapping["state"]),
        reason_code=mapping["reason_code"], message=mapping["message"],
        title=mapping["summary_title"], supplier=mapping["summary_supplier"],
        amount=Decimal(minor).scaleb(-2) if minor is not None else None,
        currency=mapping["summary_currency"], due_at=mapping["due_at"],
        assignee=mapping["assignee"], created_at=mapping["created_at"],
        available_at=mapping["available_at"], first_approval_by=mapping["first_approval_by"])


#: How likely each kind of range term is true, as told to SQLite's planner. Without them SQLite
#: takes any two-sided range for very selective and prefers it (a wide amount range, say) over
#: an equality or prefix filter that cuts far more; PostgreSQL has statistics and needs none.
_LIKELY = {"supplier": 0.2, "reference": 0.05, "amount": 0.7, "due": 0.3, "keyset": 0.5}


def _hinted(term: ColumnElement[bool], kind: str, dialect: str) -> ColumnElement[bool]:
    if dialect != "sqlite":
        return term
    return func.likelihood(term, literal_column(str(_LIKELY[kind])))  # type: ignore[no-any-return]


def _prefix(column: Any, key: str, kind: str, dialect: str) -> ColumnElement[bool]:
    return (_hinted(column >= key, kind, dialect)
            & _hinted(column < key + _PREFIX_END, kind, dialect))


def _state_clause(state: StateFilter) -> list[ColumnElement[bool]]:
    """The review predicate, verbatim, and the one state asked for as a literal."""
    clauses: list[ColumnElement[bool]] = [text(REVIEW_STATES_SQL)]  # type: ignore[list-item]
    if state is not StateFilter.ALL:
        clauses.append(w.state == literal_column(f"'{ItemState(state.value).value}'"))
    return clauses


def conditions(flt: ReviewFilter, now: datetime, created_before: datetime | None,
               dialect: str = "postgresql") -> list[ColumnElement[bool]]:
    """The WHERE clauses for ``flt`` (with planner hints for ``dialect``)."""
    found = _state_clause(flt.state)
    simple = ((flt.queue, w.queue), (flt.reason, w.reason_code))
    found += [column == value for value, column in simple if value]
    if flt.assignee:
        found.append(w.assignee.is_(None) if flt.assignee == "-" else w.assignee == flt.assignee)
    if flt.supplier and (key := search_key(flt.supplier)):
        found.append(_prefix(w.summary_supplier_key, key, "supplier", dialect))
    if flt.q and (key := search_key(flt.q)):
        found.append(_prefix(w.summary_reference, key, "reference", dialect)
                     | _prefix(w.summary_supplier_key, key, "supplier", dialect))
    if flt.amount_min is not None:
        found.append(_hinted(w.summary_amount_minor >= int(flt.amount_min * 100), "amount",
                             dialect))
    if flt.amount_max is not None:
        found.append(_hinted(w.summary_amount_minor <= int(flt.amount_max * 100), "amount",
                             dialect))
    if created_before is not None:
        found.append(w.created_at < created_before)
    if flt.overdue:
        found.append(_hinted(w.due_at < now, "due", dialect))
    if not flt.postponed:
        found.append(w.available_at <= now)
    if flt.awaiting_approval:
        found.append(w.id.in_(select(approvals.c.item_id).where(approvals.c.status == "pending")))
    return found


def page_queries(flt: ReviewFilter, where: Sequence[ColumnElement[bool]],
                 cursor: Cursor | None, dialect: str = "postgresql",
                 ) -> Iterator[tuple[int, Select[Any]]]:
    """(phase, query) in the order the rows come; each query is ordered and unlimited."""
    column, descending = _SORTS[flt.sort]
    base = select(*_COLUMNS).select_from(_FROM).where(*where)
    if column is None:
        query = base.order_by(w.id.desc() if descending else w.id)
        if cursor is not None:
            query = query.where(w.id < cursor.id if descending else w.id > cursor.id)
        yield 0, query
        return
    if cursor is None or cursor.phase == 0:
        query = base.where(column.is_not(None))
        if cursor is not None:
            after = tuple_(column, w.id)
            query = query.where(_hinted(after < (cursor.value, cursor.id) if descending
                                        else after > (cursor.value, cursor.id),
                                        "keyset", dialect))
        order = (column.desc(), w.id.desc()) if descending else (column, w.id)
        yield 0, query.order_by(*order)
    query = base.where(column.is_(None)).order_by(w.id)
    if cursor is not None and cursor.phase == 1:
        query = query.where(w.id > cursor.id)
    yield 1, query


def fetch_page(connection: Connection, flt: ReviewFilter, where: Sequence[ColumnElement[bool]],
               cursor: Cursor | None, limit: int) -> QueuePage:
    """Up to ``limit`` rows after ``cursor``, and the cursor of the page after, if any."""
    column, _descending = _SORTS[flt.sort]
    rows: list[tuple[int, Any]] = []
    dialect = connection.dialect.name
    for phase, query in page_queries(flt, where, cursor, dialect):
        wanted = limit + 1 - len(rows)
        rows += [(phase, row) for row in connection.execute(query.limit(wanted)).mappings()]
        if len(rows) > limit:
            break
    next_cursor = None
    if len(rows) > limit:
        phase, last = rows[limit - 1]
        value = last[column.key] if column is not None and phase == 0 else None
        next_cursor = encode_cursor(flt.sort, Cursor(phase, value, last["id"]))
    return QueuePage([_row(row) for _phase, row in rows[:limit]], next_cursor)


class ReasonCounts:
    """Items per reason code for (state, queue), recomputed at most every ``ttl`` seconds."""

    def __init__(self, ttl: float = 10.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._cache: dict[tuple[str, str | None], tuple[float, list[tuple[str | None, int]]]] = {}
        self._lock = threading.Lock()

    def get(self, connection: Connection, state: StateFilter,
            queue: str | None) -> list[tuple[str | None, int]]:
        key = (state.value, queue)
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None and self.clock() - cached[0] < self.ttl:
            return cached[1]
        where = _state_clause(state) + ([w.queue == queue] if queue else [])
        query = (select(w.reason_code, func.count()).where(*where)
                 .group_by(w.reason_code).order_by(func.count().desc()))
        counts = [(reason, count) for reason, count in connection.execute(query)]
        with self._lock:
            self._cache[key] = (self.clock(), counts)
        return counts

    def invalidate(self) -> None:
        with self._lock:
            self._cache.clear()


class ReviewListing:
    """Pages, exports, reason counts and queue names of the review queue."""

    def __init__(self, engine: Engine, counts_ttl: float = 10.0) -> None:
        self.engine = engine
        self.counts = ReasonCounts(counts_ttl)

    def _connect(self) -> Connection:
        return self.engine.connect().execution_options(finrpa_readonly=True)

    def page(self, flt: ReviewFilter, cursor: str | None, limit: int, now: datetime,
             created_before: datetime | None) -> QueuePage:
        where = conditions(flt, now, created_before, self.engine.dialect.name)
        with self._connect() as connection:
            return fetch_page(connection, flt, where, decode_cursor(flt.sort, cursor), limit)

    def rows(self, flt: ReviewFilter, now: datetime, created_before: datetime | None,
             max_rows: int) -> Iterator[QueueRow]:
        """Every matching row in page order, at most ``max_rows`` (for exports)."""
        cursor: str | None = None
        produced = 0
        while produced < max_rows:
            page = self.page(flt, cursor, min(1000, max_rows - produced), now, created_before)
            yield from page.rows
            produced += len(page.rows)
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    def reason_counts(self, state: StateFilter, queue: str | None) -> list[tuple[str | None, int]]:
        with self._connect() as connection:
            return self.counts.get(connection, state, queue)

    def queue_names(self) -> list[str]:
        with self._connect() as connection:
            return list(connection.execute(select(queues.c.name).order_by(queues.c.name))
                        .scalars())
