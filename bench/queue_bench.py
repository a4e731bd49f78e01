"""Queue throughput: enqueue + claim + complete cycles per second.

    make bench-queue            (or: python bench/queue_bench.py --items 20000)

Measured in the same run, on the same database server:
  * finrpa      - the SqlQueueStore: enqueue_many, then workers that claim in batches (Consumer)
                  and complete each item in its own transaction, writing the audit events.
  * bare loop   - the same enqueue/claim/complete SQL, on the same schema, issued by hand on the
                  driver (psycopg / sqlite3) with nothing around it: the floor of what the
                  database allows for this work. Target: finrpa at least 0.5x.
  * no audit    - a bare loop on a minimal table that writes no audit events (for context: what
                  the audit trail costs; no target).
  * pgqueuer    - a PostgreSQL job queue draining the same number of no-op jobs; it keeps no
                  per-item history either. Target: finrpa ahead with 8 workers.
Each figure is the whole cycle: enqueueing N items, then W worker processes draining them.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BENCH_SCHEMA = "finrpa_bench"
QUEUE = "bench"


@dataclass
class Figure:
    database: str
    system: str
    workers: int
    items: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.items / self.seconds


# -- database helpers -------------------------------------------------------------------------


def pg_conninfo(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def reset_pg_schema(url: str) -> str:
    """Recreate the bench schema; return a SQLAlchemy URL whose search_path is that schema."""
    with psycopg.connect(pg_conninfo(url), autocommit=True) as connection:
        connection.execute(f"DROP SCHEMA IF EXISTS {BENCH_SCHEMA} CASCADE")
        connection.execute(f"CREATE SCHEMA {BENCH_SCHEMA}")
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{BENCH_SCHEMA}"


# -- finrpa ---------------------------------------------------------------------------------


def finrpa_prepare(url: str) -> None:
    from finrpa.db.engine import make_engine
    from finrpa.queue.sql import SqlQueueStore

    SqlQueueStore(make_engine(url)).engine.dispose()


def finrpa_enqueue(url: str, items: int) -> None:
    from finrpa.db.engine import make_engine
    from finrpa.queue.records import NewItem
    from finrpa.queue.sql import SqlQueueStore

    store = SqlQueueStore(make_engine(url), create_schema=False)
    for start in range(0, items, 5000):
        store.enqueue_many(
            QUEUE,
            [
                NewItem(payload={"n": n}, business_key=f"k{n}")
                for n in range(start, min(start + 5000, items))
            ],
        )
    store.engine.dispose()


def finrpa_worker(url: str, name: str, batch: int, ready: mp.Event, go: mp.Event) -> None:
    from finrpa.db.engine import make_engine
    from finrpa.queue.consumer import Consumer
    from finrpa.queue.sql import SqlQueueStore

    store = SqlQueueStore(make_engine(url), create_schema=False, reap_interval_s=3600)
    store.queue_config(QUEUE)
    consumer = Consumer(store, QUEUE, name, batch_size=batch, heartbeat=False)
    ready.set()
    go.wait()
    while (item := consumer.next_item()) is not None:
        store.complete(item.id, name)
    consumer.close()


# -- bare loop ------------------------------------------------------------------------------

BARE_TABLE = """
CREATE TABLE bare_jobs (
    id {id_type} PRIMARY KEY, queue TEXT NOT NULL, state TEXT NOT NULL, priority INT NOT NULL,
    payload TEXT, owner TEXT, lease_expires_at TEXT, attempts INT NOT NULL DEFAULT 0)"""
BARE_INDEX = (
    "CREATE INDEX bare_claimable ON bare_jobs (queue, priority DESC, id) WHERE state = 'pending'"
)
BARE_CLAIM = """
UPDATE bare_jobs SET state = 'in_progress', owner = {p}, lease_expires_at = {p},
       attempts = attempts + 1
WHERE id IN (SELECT id FROM bare_jobs WHERE queue = {p} AND state = 'pending'
             ORDER BY priority DESC, id LIMIT {p} {lock})
RETURNING id, payload"""
BARE_COMPLETE = "UPDATE bare_jobs SET state = 'done', owner = NULL WHERE id = {p} AND owner = {p}"


def noaudit_prepare(url: str) -> None:
    if url.startswith("sqlite"):
        connection = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute(BARE_TABLE.format(id_type="INTEGER"))
        connection.execute(BARE_INDEX)
        connection.close()
        return
    with psycopg.connect(pg_conninfo(url), autocommit=True) as connection:
        connection.execute(BARE_TABLE.format(id_type="BIGSERIAL"))
        connection.execute(BARE_INDEX)


def noaudit_enqueue(url: str, items: int) -> None:
    rows = [(QUEUE, "pending", 0, f'{{"n": {n}}}') for n in range(items)]
    if url.startswith("sqlite"):
        connection = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        connection.executemany(
            "INSERT INTO bare_jobs (queue, state, priority, payload) VALUES (?, ?, ?, ?)", rows
        )
        connection.execute("COMMIT")
        connection.close()
        return
    with psycopg.connect(pg_conninfo(url)) as connection, connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO bare_jobs (queue, state, priority, payload) VALUES (%s, %s, %s, %s)", rows
        )


def noaudit_worker(url: str, name: str, batch: int, ready: mp.Event, go: mp.Event) -> None:
    if url.startswith("sqlite"):
        connection = sqlite3.connect(
            url.removeprefix("sqlite:///"), isolation_level=None, timeout=30
        )
        connection.execute("PRAGMA synchronous=NORMAL")
        claim = BARE_CLAIM.format(p="?", lock="")
        complete = BARE_COMPLETE.format(p="?")
        ready.set()
        go.wait()
        while True:
            connection.execute("BEGIN IMMEDIATE")
            claimed = connection.execute(claim, (name, "later", QUEUE, batch)).fetchall()
            connection.execute("COMMIT")
            if not claimed:
                break
            for item_id, _payload in claimed:
                connection.execute(complete, (item_id, name))
        return
    with psycopg.connect(pg_conninfo(url), autocommit=True) as connection:
        claim = BARE_CLAIM.format(p="%s", lock="FOR UPDATE SKIP LOCKED")
        complete = BARE_COMPLETE.format(p="%s")
        ready.set()
        go.wait()
        while True:
            claimed = connection.execute(claim, (name, "later", QUEUE, batch)).fetchall()
            if not claimed:
                break
            for item_id, _payload in claimed:
                connection.execute(complete, (item_id, name))


# -- bare loop on finrpa's schema and SQL ------------------------------------------------------

def same_sql_enqueue(url: str, items: int) -> None:
    from datetime import UTC, datetime

    from finrpa.queue.hotpath import sqlite_time
    from finrpa.queue.hotpath_postgres import PostgresHotPath as Pg
    from finrpa.queue.hotpath_sqlite import SqliteHotPath as Lite

    now = datetime.now(UTC)
    if url.startswith("sqlite"):
        at = sqlite_time(now)
        connection = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        last_id = connection.execute("SELECT coalesce(max(id), 0) FROM work_items").fetchone()[0]
        connection.executemany(Lite._INSERT, [(QUEUE, f"k{n}", 0, f'{{"n": {n}}}', None, at,
                                               None, None, at, at) for n in range(items)])
        connection.execute(Lite._ENQUEUE_EVENTS, ("bench", last_id))
        connection.execute("COMMIT")
        connection.close()
        return
    with psycopg.connect(pg_conninfo(url), autocommit=True) as connection:
        for start in range(0, items, 5000):
            count = min(5000, items - start)
            connection.execute(Pg._ENQUEUE, {
                "queue": QUEUE, "now": now, "actor": "bench",
                "keys": [f"k{n}" for n in range(start, start + count)],
                "priorities": [0] * count,
                "payloads": [f'{{"n": {n}}}' for n in range(start, start + count)],
                "due": [None] * count, "parents": [None] * count, "runs": [None] * count,
            }).fetchall()


def same_sql_worker(url: str, name: str, batch: int, ready: mp.Event, go: mp.Event) -> None:
    from datetime import UTC, datetime, timedelta

    from finrpa.queue.hotpath import sqlite_time
    from finrpa.queue.hotpath_postgres import PostgresHotPath as Pg
    from finrpa.queue.hotpath_sqlite import SqliteHotPath as Lite

    expires = datetime.now(UTC) + timedelta(hours=1)
    if url.startswith("sqlite"):
        connection = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None,
                                     timeout=30)
        connection.execute("PRAGMA synchronous=NORMAL")
        ready.set()
        go.wait()
        while True:
            at = sqlite_time(datetime.now(UTC))
            connection.execute("BEGIN IMMEDIATE")
            claimed = connection.execute(
                Lite._CLAIM, (name, sqlite_time(expires), at, QUEUE, at, batch)).fetchall()
            connection.execute("COMMIT")
            if not claimed:
                break
            for row in claimed:
                connection.execute(Lite._COMPLETE, (sqlite_time(datetime.now(UTC)), row[0], name))
        return
    with psycopg.connect(pg_conninfo(url), autocommit=True) as connection:
        ready.set()
        go.wait()
        while True:
            claimed = connection.execute(Pg._CLAIM, {
                "queue": QUEUE, "owner": name, "limit": batch, "now": datetime.now(UTC),
                "expires": expires, "expiry_text": expires.isoformat()}).fetchall()
            if not claimed:
                break
            for row in claimed:
                connection.execute(Pg._COMPLETE, {"id": row[0], "owner": name,
                                                  "now": datetime.now(UTC)}).fetchall()


# -- pgqueuer -------------------------------------------------------------------------------


async def _pgqueuer_connection(url: str) -> psycopg.AsyncConnection:
    return await psycopg.AsyncConnection.connect(
        pg_conninfo(url.split("?")[0]), autocommit=True, options=f"-c search_path={BENCH_SCHEMA}"
    )


def pgqueuer_prepare(url: str) -> None:
    from pgqueuer.db import PsycopgDriver
    from pgqueuer.queries import Queries

    async def install() -> None:
        connection = await _pgqueuer_connection(url)
        await Queries(PsycopgDriver(connection)).install(create_schema=False)
        await connection.close()

    asyncio.run(install())


def pgqueuer_enqueue(url: str, items: int) -> None:
    from pgqueuer.db import PsycopgDriver
    from pgqueuer.queries import Queries

    async def enqueue() -> None:
        connection = await _pgqueuer_connection(url)
        queries = Queries(PsycopgDriver(connection))
        for start in range(0, items, 5000):
            count = min(5000, items - start)
            await queries.enqueue([QUEUE] * count, [None] * count, [0] * count)
        await connection.close()

    asyncio.run(enqueue())


def pgqueuer_worker(url: str, name: str, batch: int, ready: mp.Event, go: mp.Event) -> None:
    from datetime import timedelta

    from pgqueuer.db import PsycopgDriver
    from pgqueuer.models import Job
    from pgqueuer.qm import QueueManager
    from pgqueuer.queries import Queries
    from pgqueuer.types import QueueExecutionMode

    async def drain() -> None:
        connection = await _pgqueuer_connection(url)
        manager = QueueManager(Queries(PsycopgDriver(connection)))

        @manager.entrypoint(QUEUE)
        async def noop(job: Job) -> None:
            return None

        ready.set()
        await asyncio.get_running_loop().run_in_executor(None, go.wait)
        await manager.run(
            mode=QueueExecutionMode.drain, batch_size=batch, dequeue_timeout=timedelta(seconds=0.2)
        )
        await connection.close()

    asyncio.run(drain())


# -- running one measurement ------------------------------------------------------------------

SYSTEMS: dict[str, tuple[Callable[..., None], Callable[..., None], Callable[..., None]]] = {
    "finrpa": (finrpa_prepare, finrpa_enqueue, finrpa_worker),
    "bare loop": (finrpa_prepare, same_sql_enqueue, same_sql_worker),
    "no audit": (noaudit_prepare, noaudit_enqueue, noaudit_worker),
    "pgqueuer": (pgqueuer_prepare, pgqueuer_enqueue, pgqueuer_worker),
}


def measure(system: str, url: str, workers: int, items: int, batch: int) -> float:
    """Seconds to enqueue ``items`` and drain them with ``workers`` processes."""
    prepare, enqueue, worker = SYSTEMS[system]
    prepare(url)
    context = mp.get_context("spawn")
    go = context.Event()
    readies = [context.Event() for _ in range(workers)]
    processes = [
        context.Process(target=worker, args=(url, f"w{n}", batch, readies[n], go))
        for n in range(workers)
    ]
    for process in processes:
        process.start()
    for ready in readies:
        ready.wait(timeout=120)
    started = time.perf_counter()
    enqueue(url, items)
    go.set()
    for process in processes:
        process.join()
        if process.exitcode != 0:
            raise RuntimeError(f"{system} worker failed with exit code {process.exitcode}")
    return time.perf_counter() - started


def fresh_url(database: str, pg_url: str, folder: Path) -> str:
    if database == "sqlite":
        path = folder / f"bench-{time.monotonic_ns()}.db"
        return f"sqlite:///{path}"
    return reset_pg_schema(pg_url)


def run(items: int, batch: int, repeats: int, pg_url: str, pg_workers: list[int]) -> list[Figure]:
    plan = [("sqlite", system, 1) for system in ("finrpa", "bare loop", "no audit")]
    for workers in pg_workers:
        plan += [("postgresql", system, workers)
                 for system in ("finrpa", "bare loop", "no audit", "pgqueuer")]
    figures = []
    with tempfile.TemporaryDirectory() as folder:
        for database, system, workers in plan:
            seconds = statistics.median(
                measure(system, fresh_url(database, pg_url, Path(folder)), workers, items, batch)
                for _ in range(repeats)
            )
            figure = Figure(database, system, workers, items, seconds)
            print(
                f"  {database:<10} {system:<10} {workers} worker(s): "
                f"{figure.per_second:>9,.0f} items/s",
                flush=True,
            )
            figures.append(figure)
    return figures


def report(figures: list[Figure]) -> bool:
    """Print ratios and targets; True when every target is met."""
    by_key = {(f.database, f.system, f.workers): f.per_second for f in figures}
    print("\nratios (finrpa / baseline), targets: >= 0.5x bare loop; > 1x pgqueuer at 8 workers")
    met = True
    for (database, system, workers), rate in sorted(by_key.items()):
        if system != "finrpa":
            continue
        bare = by_key.get((database, "bare loop", workers))
        if bare:
            ok = rate / bare >= 0.5
            met &= ok
            print(
                f"  {database:<10} {workers} worker(s): finrpa/bare loop = {rate / bare:.2f}x "
                f"{'ok' if ok else 'BELOW TARGET'}"
            )
        unaudited = by_key.get((database, "no audit", workers))
        if unaudited:
            print(f"  {database:<10} {workers} worker(s): finrpa/no audit  = "
                  f"{rate / unaudited:.2f}x (context: what the audit trail costs)")
        pgq = by_key.get((database, "pgqueuer", workers))
        if pgq:
            ok = rate / pgq > 1 or workers != 8
            met &= ok
            print(
                f"  {database:<10} {workers} worker(s): finrpa/pgqueuer  = {rate / pgq:.2f}x "
                f"{'ok' if ok else 'BELOW TARGET'}"
            )
    return met


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=10, help="items claimed per round trip")
    parser.add_argument("--repeats", type=int, default=1, help="median of this many runs")
    parser.add_argument("--pg-url", default=os.environ.get("FINRPA_TEST_PG_URL", DEFAULT_PG))
    parser.add_argument("--pg-workers", type=int, nargs="+", default=[1, 8])
    args = parser.parse_args(argv)
    print(
        f"queue bench: {args.items:,} items, claim batch {args.batch}, "
        f"{os.cpu_count()} CPU(s), Python {sys.version.split()[0]}"
    )
    figures = run(args.items, args.batch, args.repeats, args.pg_url, args.pg_workers)
    return 0 if report(figures) else 1


if __name__ == "__main__":
    sys.exit(main())
