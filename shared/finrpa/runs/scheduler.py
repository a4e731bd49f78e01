"""The scheduler loop: turns each schedule's firings into runs, in any number of processes.

Every scheduler process computes the same nominal fire times from the schedule files and
offers each firing to the store, which inserts its run once (see finrpa.runs.store). So
several schedulers on several machines sharing one PostgreSQL database start each run once,
and any of them may stop without a firing being lost.

Missed firings: a firing found more than ``misfire_grace`` late (the scheduler was down, or
stalled) is handled by the schedule's catch-up policy: ``none`` drops it, ``latest`` runs the
most recent one, ``all`` runs every one within the window. Where a scheduler starts is the
shared watermark (``schedule_state.last_seen``): the last nominal firing any scheduler handled.
A schedule seen for the first time starts from now. ``enabled = false`` in the file, or
``finrpa schedules pause``, passes firings over (the watermark still moves on, so resuming
does not catch up the paused time).
"""

from __future__ import annotations

import heapq
import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from finrpa.runs.clock import Clock, SystemClock
from finrpa.runs.policy import select_missed
from finrpa.runs.records import Firing, RunOrigin, RunRecord
from finrpa.runs.schedule_models import CatchUpPolicy
from finrpa.runs.schedules import Schedule, ScheduleFileError, build_trigger, load_schedules
from finrpa.runs.store import RunStore
from finrpa.runs.triggers import Trigger
from finrpa.runs.walltime import as_utc

log = logging.getLogger(__name__)


@dataclass
class _Entry:
    """A loaded schedule and how far this process has handled it."""

    schedule: Schedule
    trigger: Trigger
    cursor: datetime  # every firing up to here is handled
    next_due: datetime | None


@dataclass(frozen=True)
class SchedulerOptions:
    """How often the loop wakes, and when a firing counts as missed."""

    tick_seconds: float = 1.0
    misfire_grace_seconds: float = 60.0
    reload_seconds: float = 5.0
    housekeeping_seconds: float = 5.0
    overdue_check_seconds: float = 300.0


class Scheduler:
    """Fires the schedules of a folder into a :class:`RunStore`."""

    def __init__(self, store: RunStore, schedules_dir: Path, *, name: str,
                 clock: Clock | None = None, options: SchedulerOptions | None = None) -> None:
        self.store = store
        self.schedules_dir = Path(schedules_dir)
        self.name = name
        self.clock = clock or SystemClock()
        self.options = options or SchedulerOptions()
        self.errors: list[ScheduleFileError] = []
        self._entries: dict[str, _Entry] = {}
        self._heap: list[tuple[datetime, str]] = []
        self._signature: tuple[tuple[str, int, int], ...] | None = None
        self._next_reload: datetime | None = None
        self._next_housekeeping: datetime | None = None
        self._next_overdue: datetime | None = None

    # -- schedule files ----------------------------------------------------------------

    def load(self) -> bool:
        """(Re)read the schedule files if they changed; True when they did."""
        signature = self._files_signature()
        if signature == self._signature:
            return False
        schedules, self.errors = load_schedules(self.schedules_dir)
        for error in self.errors:
            log.error("schedule file skipped: %s", error)
        now = self.clock.now()
        watermarks = {name: state.last_seen for name, state in self.store.states().items()}
        new: dict[str, datetime] = {}
        entries: dict[str, _Entry] = {}
        for schedule in schedules:
            old = self._entries.get(schedule.name)
            cursor = old.cursor if old else watermarks.get(schedule.name) or now
            if old is None and watermarks.get(schedule.name) is None:
                new[schedule.name] = now
            trigger = build_trigger(schedule)
            entries[schedule.name] = _Entry(schedule, trigger, cursor,
                                            trigger.next_fire_time(cursor))
        if new:
            self.store.raise_watermarks(new)  # a crash before the first firing still catches up
        self._entries, self._signature = entries, signature  # only once all went well
        self._heap = [(as_utc(e.next_due), n) for n, e in entries.items() if e.next_due]
        heapq.heapify(self._heap)
        log.info("scheduler %s: %d schedules loaded", self.name, len(entries))
        return True

    def _files_signature(self) -> tuple[tuple[str, int, int], ...]:
        if not self.schedules_dir.is_dir():
            return ()
        found = []
        for path in sorted(self.schedules_dir.glob("*.toml")):
            stat = path.stat()
            found.append((path.name, stat.st_mtime_ns, stat.st_size))
        return tuple(found)

    @property
    def schedules(self) -> list[Schedule]:
        """The schedules loaded now."""
        return [entry.schedule for entry in self._entries.values()]

    # -- firing ------------------------------------------------------------------------

    def tick(self) -> list[RunRecord]:
        """Offer every firing due now to the store; return the runs this process created."""
        now = self.clock.now()
        due: list[tuple[datetime, str]] = []
        while self._heap and self._heap[0][0] <= as_utc(now):
            due.append(heapq.heappop(self._heap))
        firings: list[Firing] = []
        seen: dict[str, datetime] = {}
        upcoming: dict[str, datetime | None] = {}
        for _, name in due:
            entry_firings, seen[name], upcoming[name] = self._due_firings(self._entries[name], now)
            firings += entry_firings
        try:
            created = self.store.record_firings(firings, seen, self.name) if seen else []
        except Exception:
            for item in due:  # nothing was recorded: offer the same firings next time
                heapq.heappush(self._heap, item)
            raise
        for name, last in seen.items():
            entry = self._entries[name]
            entry.cursor, entry.next_due = last, upcoming[name]
            if entry.next_due is not None:
                heapq.heappush(self._heap, (as_utc(entry.next_due), name))
        for run in created:
            log.info("%s: run %d for %s (%s, %s)", run.schedule, run.id,
                     run.nominal_time.isoformat(), run.origin.value, run.status.value)
        return created

    def _due_firings(self, entry: _Entry, now: datetime
                     ) -> tuple[list[Firing], datetime, datetime | None]:
        """The firings of ``entry`` due by ``now`` per the catch-up policy, the last nominal
        time handled, and the next one after it."""
        schedule, trigger = entry.schedule, entry.trigger
        grace = timedelta(seconds=self.options.misfire_grace_seconds)
        catch_up = schedule.catch_up
        floor = as_utc(now - grace)
        if catch_up.policy is not CatchUpPolicy.NONE:
            floor -= catch_up.window
        # Missed firings older than the window never run: start the search at its edge.
        found = entry.next_due if as_utc(entry.cursor) >= floor else trigger.next_fire_time(
            floor - timedelta(microseconds=1))
        now_utc = as_utc(now)
        times: list[datetime] = []
        while found is not None and as_utc(found) <= now_utc:
            times.append(found)
            found = trigger.next_fire_time(found)
        last = times[-1] if times else now
        if not schedule.enabled:
            return [], last, found
        cutoff = now_utc - grace
        if not times or as_utc(times[0]) >= cutoff:  # the usual case: nothing is late
            return [Firing(schedule, t, RunOrigin.SCHEDULE) for t in times], last, found
        window_start = now_utc - catch_up.window
        late = [t for t in times if window_start <= as_utc(t) < cutoff]
        firings = [Firing(schedule, t, RunOrigin.CATCH_UP)
                   for t in select_missed(catch_up.policy, late)]
        firings += [Firing(schedule, t, RunOrigin.SCHEDULE) for t in times
                    if as_utc(t) >= cutoff]
        return firings, last, found

    def seconds_until_next(self) -> float:
        """Seconds until the next firing is due (0 when one is due; inf when none is left)."""
        if not self._heap:
            return float("inf")
        return max((self._heap[0][0] - as_utc(self.clock.now())).total_seconds(), 0.0)

    # -- the loop ----------------------------------------------------------------------

    def run(self, stop: threading.Event, until: datetime | None = None) -> None:
        """Fire schedules until ``stop`` is set (or, with ``until``, every firing due by then)."""
        self.load()
        while not stop.is_set():
            try:
                self._periodic()
                self.tick()
            except Exception:  # the loop outlives a database outage
                log.exception("scheduler %s: tick failed; trying again", self.name)
                if self.clock.sleep(self.options.tick_seconds, stop):
                    break
                continue
            delay = min(self.seconds_until_next(), self.options.tick_seconds)
            if until is not None:
                left = (until - self.clock.now()).total_seconds()
                if left <= 0:
                    break
                delay = min(delay, left)
            if self.clock.sleep(delay, stop):
                break

    def _periodic(self) -> None:
        """Reload changed files, reap runs of dead workers, queue overdue-item alerts."""
        now = self.clock.now()
        options = self.options
        if self._next_reload is None or now >= self._next_reload:
            self._next_reload = now + timedelta(seconds=options.reload_seconds)
            self.load()
        if self._next_housekeeping is None or now >= self._next_housekeeping:
            self._next_housekeeping = now + timedelta(seconds=options.housekeeping_seconds)
            for run in self.store.reap_expired():
                log.warning("run %d of %s: worker lost (%s)", run.id, run.schedule, run.error)
        if self._next_overdue is None or now >= self._next_overdue:
            self._next_overdue = now + timedelta(seconds=options.overdue_check_seconds)
            self.store.enqueue_overdue_alerts()
