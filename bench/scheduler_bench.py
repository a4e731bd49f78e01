"""Scheduler: do 1,000 schedules fire exactly once, on time?

    python bench/scheduler_bench.py [--schedules 1000] [--database-url URL]

Two measurements, each with a baseline measured in the same run:

1. A simulated week (Thu 2026-10-22 to Thu 2026-10-29, Helsinki: the autumn DST change falls
   in it) on a fast-forwarded clock. 1,000 schedule files of every trigger type go through the
   real Scheduler and RunStore (SQLite by default). Baseline: a naive loop computing the same
   firings straight from the triggers (fire_times_between), which is also the expected set.
   Printed: missed firings (expected but no run), duplicate firings (more than one run for a
   schedule and nominal time), unexpected firings; targets 0, 0, 0.
2. Lag on the real clock: the same number of schedules all due at the same instant, every two
   seconds, three times. Lag = the moment the run rows are committed (visible to workers) minus
   the nominal fire time. Baseline: APScheduler 3.11's BackgroundScheduler firing the same cron
   triggers into no-op jobs (lag = job start minus scheduled time). Target: p99 under 1 s.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from finrpa.db.engine import make_engine
from finrpa.db.schema import alert_outbox, runs, schedule_state
from finrpa.runs.clock import FakeClock, SystemClock
from finrpa.runs.scheduler import Scheduler, SchedulerOptions
from finrpa.runs.schedules import build_trigger, load_schedules
from finrpa.runs.store import RunStore
from finrpa.runs.triggers import fire_times_between

HELSINKI = ZoneInfo("Europe/Helsinki")
WEEK_START = datetime(2026, 10, 22, tzinfo=HELSINKI)
WEEK_END = WEEK_START + timedelta(days=7)
ROUNDS = 3


def trigger_toml(rng: random.Random, n: int) -> str:
    """A varied trigger: business days, cron (some in the repeated DST hour), intervals…"""
    at = f'"{rng.randint(6, 18):02d}:{rng.choice((0, 15, 30, 45)):02d}"'
    kind = n % 10
    if kind in (0, 1, 2, 3):
        return f'type = "business_days"\nat = {at}'
    if kind in (4, 5):
        hours = rng.choice(("8-17", "8-17", "3", "0-6"))
        return (f'type = "cron"\nexpression = "{rng.choice((0, 5, 15))}/15 {hours} * * '
                f'{rng.choice(("*", "mon-fri"))}"')
    if kind in (6, 7):
        return f'type = "interval"\nevery = "{rng.choice(("15m", "30m", "1h", "2h", "4h"))}"'
    if kind == 8:
        day = rng.choice(("-1", "1", "3", "-2"))
        return f'type = "nth_business_day"\nn = {day}\nat = {at}'
    weekday = rng.choice(("monday", "friday", "sunday"))
    return f'type = "weekday"\nweekday = "{weekday}"\nat = {at}'


def write_week_schedules(folder: Path, count: int) -> None:
    rng = random.Random(20261022)
    overlaps = ("skip", "queue_one", "allow")
    for n in range(count):
        (folder / f"s{n:04d}.toml").write_text(
            f'robot = "bench_robot"\noverlap = "{overlaps[n % 3]}"\n'
            f'jitter_seconds = {rng.choice((0, 0, 30))}\n[trigger]\n{trigger_toml(rng, n)}\n',
            encoding="utf-8")


def recorded(store: RunStore) -> list[tuple[str, datetime]]:
    with store.engine.connect() as connection:
        rows = connection.execute(select(runs.c.schedule, runs.c.nominal_time)
                                  .where(runs.c.attempt == 1)).all()
    return [(name, nominal) for name, nominal in rows]


def simulated_week(url: str, folder: Path, count: int) -> None:
    write_week_schedules(folder, count)
    schedules, errors = load_schedules(folder)
    assert not errors, errors
    started = time.perf_counter()
    expected = {(s.name, t.astimezone(UTC)) for s in schedules
                for t in fire_times_between(build_trigger(s), WEEK_START, WEEK_END)}
    naive_seconds = time.perf_counter() - started

    clock = FakeClock(WEEK_START)
    store = RunStore(make_engine(url), clock=clock.now)
    options = SchedulerOptions(tick_seconds=86400, reload_seconds=86400,
                               housekeeping_seconds=86400, overdue_check_seconds=86400)
    scheduler = Scheduler(store, folder, name="bench", clock=clock, options=options)
    started = time.perf_counter()
    scheduler.run(threading.Event(), until=WEEK_END)
    finrpa_seconds = time.perf_counter() - started
    got = recorded(store)
    counts = Counter(got)
    duplicates = sum(n - 1 for n in counts.values() if n > 1)
    missed = len(expected - set(counts))
    unexpected = len(set(counts) - expected)
    print(f"1. simulated week, {count} schedules, {len(expected):,} expected firings")
    print(f"   baseline (naive loop over the triggers): {naive_seconds:6.2f} s")
    print(f"   finrpa scheduler + store ({store.engine.dialect.name}):      "
          f"{finrpa_seconds:6.2f} s  ({len(got) / finrpa_seconds:,.0f} firings/s)")
    print(f"   missed {missed}, duplicate {duplicates}, unexpected {unexpected}"
          f"   (target 0, 0, 0)")


def same_instant_schedules(folder: Path, count: int) -> None:
    for n in range(count):
        (folder / f"t{n:04d}.toml").write_text(
            'robot = "bench_robot"\noverlap = "allow"\ntimezone = "UTC"\n'
            '[trigger]\ntype = "cron"\nsecond = "*/2"\nminute = "*"\n', encoding="utf-8")


def real_clock_lag(url: str, folder: Path, count: int) -> list[float]:
    same_instant_schedules(folder, count)
    store = RunStore(make_engine(url))
    lags: list[float] = []
    record = store.record_firings

    def timed_record(firings, seen, created_by):  # type: ignore[no-untyped-def]
        created = record(firings, seen, created_by)
        committed = datetime.now(UTC)
        lags.extend((committed - run.nominal_time).total_seconds() for run in created)
        return created

    store.record_firings = timed_record  # type: ignore[method-assign]
    scheduler = Scheduler(store, folder, name="lag", clock=SystemClock(),
                          options=SchedulerOptions(reload_seconds=3600))
    stop = threading.Event()
    thread = threading.Thread(target=scheduler.run, args=(stop,))
    thread.start()
    deadline = time.monotonic() + 2 * ROUNDS + 10
    while len(lags) < ROUNDS * count and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join()
    return lags[:ROUNDS * count]


def apscheduler_lag(count: int) -> tuple[list[float], int]:
    from apscheduler.events import EVENT_JOB_MISSED, EVENT_JOB_SUBMITTED
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.cron import CronTrigger

    scheduled: dict[str, list[datetime]] = {}
    started: dict[str, list[float]] = {}
    missed: list[str] = []
    lock = threading.Lock()

    def job(job_id: str) -> None:
        now = time.time()
        with lock:
            started.setdefault(job_id, []).append(now)

    def on_event(event) -> None:  # type: ignore[no-untyped-def]
        with lock:
            if event.code == EVENT_JOB_MISSED:
                missed.append(event.job_id)
            else:
                scheduled.setdefault(event.job_id, []).extend(event.scheduled_run_times)

    aps = BackgroundScheduler(timezone=UTC)
    aps.add_listener(on_event, EVENT_JOB_SUBMITTED | EVENT_JOB_MISSED)
    for n in range(count):
        aps.add_job(job, CronTrigger(second="*/2", timezone=UTC), args=[f"j{n}"], id=f"j{n}")
    aps.start()
    deadline = time.monotonic() + 2 * ROUNDS + 10
    while time.monotonic() < deadline:
        with lock:
            if sum(map(len, started.values())) + len(missed) >= ROUNDS * count:
                break
        time.sleep(0.05)
    aps.shutdown(wait=True)
    lags = [start - when.timestamp() for job_id, times in scheduled.items()
            for when, start in zip(times[:ROUNDS], started.get(job_id, []), strict=False)]
    return lags, len(missed)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def report_lag(label: str, lags: list[float], expected: int, missed: int = 0) -> None:
    if not lags:
        print(f"   {label}: no firings measured")
        return
    print(f"   {label}: {len(lags):,}/{expected:,} firings, lag p50 "
          f"{statistics.median(lags) * 1000:6.0f} ms, p99 {percentile(lags, 0.99) * 1000:6.0f} ms,"
          f" max {max(lags) * 1000:6.0f} ms" + (f", {missed} missed" if missed else ""))


def reset(url: str | None) -> str | None:
    """Empty the runs tables of a database given on the command line (not the SQLite default)."""
    if url:
        engine = make_engine(url)
        RunStore(engine)  # creates or migrates the schema
        with engine.begin() as connection:
            for table in (alert_outbox, runs, schedule_state):
                connection.execute(table.delete())
    return url


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schedules", type=int, default=1000)
    parser.add_argument("--database-url", default=None,
                        help="default: a SQLite file in a temporary folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name in ("week", "lag"):
            (root / name).mkdir()
        week_url = reset(args.database_url) or f"sqlite:///{root / 'week.db'}"
        simulated_week(week_url, root / "week", args.schedules)
        lag_url = reset(args.database_url) or f"sqlite:///{root / 'lag.db'}"
        print(f"2. real clock: {args.schedules} schedules due at the same instant, "
              f"{ROUNDS} rounds")
        expected = ROUNDS * args.schedules
        aps_lags, aps_missed = apscheduler_lag(args.schedules)
        report_lag("baseline APScheduler BackgroundScheduler", aps_lags, expected, aps_missed)
        lags = real_clock_lag(lag_url, root / "lag", args.schedules)
        report_lag("finrpa (run rows committed)           ", lags, expected)
        ok = bool(lags) and percentile(lags, 0.99) < 1.0
        print(f"   target p99 < 1 s: {'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
