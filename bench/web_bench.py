"""Queue page latency with a million work items: the review page vs the bare SQL behind it.

    python bench/web_bench.py                          # SQLite and PostgreSQL, 1,000,000 items
    python bench/web_bench.py --backend sqlite --items 200000 --reuse

For each database: fill it (or reuse a filled one: ``--reuse``), start ``finrpa web`` on a free
port, sign in, and let 10 concurrent clients (threads with keep-alive connections) request:

  * first page     GET /queue: items in review, oldest first
  * filtered page  GET /queue?reason=...&supplier=...&amount_min=...&amount_max=...
                   &sort=amount_desc
  * next page      the filtered page after its first page (keyset cursor)

Each request is the whole page: session check, the page query, the reason counts (kept a few
seconds), approvals of the 50 rows, and the HTML. Baseline, same run, same database: the same
page query as hand-written SQL on the bare driver (sqlite3 / psycopg), by 10 threads, no HTTP.
Target: p95 under 150 ms for every page on both databases.
"""

from __future__ import annotations

import argparse
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy.dialects import postgresql, sqlite

from finrpa.db.engine import make_engine
from finrpa.queue.sql import utc_now
from finrpa.review.accounts import AccountStore
from finrpa.review.listing import ReviewFilter, conditions, page_queries
from web_bench_data import prepare  # bench/ is on sys.path when this script runs

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_SCHEMA = "finrpa_web_bench"
FILTERED = "reason=PRICE_VARIANCE&supplier=kalusto&amount_min=500&amount_max=20000&sort=amount_desc"
TARGET_P95_MS = 150.0
def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run_concurrently(clients: int, requests: int, work: Callable[[int], None]) -> list[float]:
    """``requests`` calls of ``work`` per client thread; every call's latency in ms."""
    latencies: list[float] = []
    lock = threading.Lock()

    def client(index: int) -> None:
        mine = []
        for _ in range(requests):
            started = time.perf_counter()
            work(index)
            mine.append((time.perf_counter() - started) * 1000)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


def report(backend: str, what: str, latencies: list[float], seconds: float) -> bool:
    p50, p95 = statistics.median(latencies), percentile(latencies, 0.95)
    ok = p95 < TARGET_P95_MS
    print(f"{backend:<11} {what:<28} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   "
          f"{len(latencies) / seconds:7.0f} req/s", flush=True)
    return ok


def start_server(url: str, workers: int, folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "FINRPA_DATABASE_URL": url, "FINRPA_HOME": str(folder),
           "FINRPA_SECRET_KEY": "web-bench-" + "x" * 40}
    process = subprocess.Popen(
        [sys.executable, "-m", "finrpa.cli.main", "web", "--port", str(port), "--workers",
         str(workers), "--no-access-log"], cwd=REPO, env=env,
        stdout=subprocess.DEVNULL, stderr=(folder / "server.log").open("wb"))
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{base}/login", timeout=2).status_code == 200:
                return process, base
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"the server did not start; see {folder / 'server.log'}")


def session_cookie(base: str, name: str, password: str) -> dict[str, str]:
    with httpx.Client(base_url=base) as client:
        page = client.get("/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token is not None
        response = client.post("/login", data={"name": name, "password": password,
                                               "csrf_token": token.group(1)})
        assert response.status_code in (200, 303), response.status_code
        return dict(client.cookies)


def bench_pages(backend: str, base: str, cookies: dict[str, str], clients: int,
                requests: int) -> bool:
    sessions = [httpx.Client(base_url=base, cookies=cookies, timeout=30) for _ in range(clients)]
    first_filtered = sessions[0].get(f"/queue?{FILTERED}").text
    cursor = re.search(r'cursor=([A-Za-z0-9_-]+)', first_filtered)
    pages = {"first page": "/queue", "filtered page": f"/queue?{FILTERED}",
             "filtered, next page": f"/queue?{FILTERED}&cursor={cursor.group(1) if cursor else ''}"}
    ok = True
    for what, path in pages.items():
        for session in sessions:  # warm up every connection and the server's caches
            assert session.get(path).status_code == 200

        def fetch(index: int, path: str = path) -> None:
            response = sessions[index].get(path)
            assert response.status_code == 200 and "data-item" in response.text

        started = time.perf_counter()
        latencies = run_concurrently(clients, requests, fetch)
        ok &= report(backend, f"page: {what}", latencies, time.perf_counter() - started)
    for session in sessions:
        session.close()
    return ok


def page_sql(dialect_name: str, query_string: str) -> str:
    """The SQL of the page's item query, exactly as the app builds it, values inlined."""
    flt = ReviewFilter.model_validate(dict(part.split("=") for part in query_string.split("&")
                                           if part))
    where = conditions(flt, datetime.now(UTC), None, dialect_name)
    _phase, query = next(page_queries(flt, where, None, dialect_name))
    dialect = sqlite.dialect() if dialect_name == "sqlite" else postgresql.dialect()
    return str(query.limit(51).compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def bench_bare(backend: str, connect: Callable[[], Any], clients: int, requests: int) -> None:
    connections = [connect() for _ in range(clients)]
    for what, query_string in (("first page", ""), ("filtered page", FILTERED)):
        statement = page_sql(backend, query_string)

        def query(index: int, statement: str = statement) -> None:
            rows = connections[index].execute(statement).fetchall()
            assert rows

        started = time.perf_counter()
        latencies = run_concurrently(clients, requests, query)
        report(backend, f"bare SQL: {what}", latencies, time.perf_counter() - started)
    for connection in connections:
        connection.close()


def run_backend(backend: str, url: str, pg_conninfo: str | None, args: argparse.Namespace,
                folder: Path) -> bool:
    seconds = prepare(url, args.items, args.reuse, pg_conninfo)
    print(f"{backend:<11} {args.items:,} items ready ({seconds:.0f} s to load)", flush=True)
    engine = make_engine(url)
    accounts = AccountStore(engine, utc_now)
    if accounts.by_name("bench") is None:
        accounts.add_user("bench", "reviewer", "bench password 1", language="fi")
    engine.dispose()
    process, base = start_server(url, args.workers, folder)
    try:
        ok = bench_pages(backend, base, session_cookie(base, "bench", "bench password 1"),
                         args.clients, args.requests)
    finally:
        process.terminate()
        process.wait(timeout=30)
    if pg_conninfo is None:
        path = url.removeprefix("sqlite:///")
        bench_bare(backend, lambda: sqlite3.connect(path, check_same_thread=False),
                   args.clients, args.requests)
    else:
        bench_bare(backend, lambda: psycopg.connect(pg_conninfo), args.clients, args.requests)
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--requests", type=int, default=50, help="per client and page")
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument("--reuse", action="store_true", help="keep a database already filled")
    parser.add_argument("--pg-url", default=os.environ.get("FINRPA_TEST_PG_URL", DEFAULT_PG))
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"{args.clients} clients x {args.requests} requests per page; server: finrpa web "
          f"--workers {args.workers}; target p95 < {TARGET_P95_MS:.0f} ms", flush=True)
    ok = True
    if args.backend in ("sqlite", "both"):
        database = OUT / f"web_bench_{args.items}.db"
        if not args.reuse:
            for stale in OUT.glob(f"{database.name}*"):
                stale.unlink()
        ok &= run_backend("sqlite", f"sqlite:///{database}", None, args, OUT)
    if args.backend in ("postgresql", "both"):
        ok &= run_backend("postgresql", *postgres_urls(args.pg_url, args.reuse), args, OUT)
    print("all pages within target" if ok else "SOME PAGES MISSED THE TARGET")
    sys.exit(0 if ok else 1)


def postgres_urls(base: str, reuse: bool) -> tuple[str, str]:
    """(SQLAlchemy URL, libpq conninfo) of the bench schema, created fresh unless reused."""
    conninfo = base.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo, autocommit=True) as connection:
        if not reuse:
            connection.execute(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE")
        connection.execute(f"CREATE SCHEMA IF NOT EXISTS {PG_SCHEMA}")
    separator = "&" if "?" in base else "?"
    option = f"options=-csearch_path%3D{PG_SCHEMA}"
    return f"{base}{separator}{option}", f"{conninfo}{separator}{option}"


if __name__ == "__main__":
    main()
