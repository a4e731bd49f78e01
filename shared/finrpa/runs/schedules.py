"""Schedule files: ``schedules/<name>.toml`` read into validated models.

A schedule says which robot runs when, on what input, and what happens when runs overlap,
are missed, fail or take too long. The file name (without ``.toml``) is the schedule's name.
Every problem is reported as a :class:`ScheduleFileError` naming the file and the field, e.g.
``schedules/invoice_matching.toml: trigger.at: use HH:MM, e.g. "07:00"``.

Durations (``every``, ``window``, ``max_run_time``) are written ``"30m"``, ``"1h30m"``, ``"1d"``,
``"90s"``, as ISO 8601 (``"PT30M"``) or as a number of seconds.

Loading reads files; everything else here is pure: :func:`build_trigger` and
:func:`missed_firings` take the calendar and ``now`` from the caller.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import ValidationError

from finrpa.domain.calendar import BusinessCalendar
from finrpa.errors import ConfigurationError
from finrpa.runs.schedule_models import (
    TRIGGER_TYPES,
    Alerts,
    BusinessDaysSpec,
    CalendarSpec,
    CatchUp,
    CatchUpPolicy,
    CronSpec,
    InputSpec,
    IntervalSpec,
    LastBusinessDaySpec,
    NthBusinessDaySpec,
    OutputSpec,
    OverlapPolicy,
    Retries,
    Schedule,
    WeekdaySpec,
)
from finrpa.runs.triggers import (
    CronTrigger,
    EveryBusinessDay,
    IntervalTrigger,
    LastBusinessDayOfMonth,
    NthBusinessDayOfMonth,
    Trigger,
    WeekdayRule,
    fire_times_between,
    require_aware,
)

__all__ = [
    "Alerts",
    "BusinessDaysSpec",
    "CalendarSpec",
    "CatchUp",
    "CatchUpPolicy",
    "CronSpec",
    "InputSpec",
    "IntervalSpec",
    "LastBusinessDaySpec",
    "NthBusinessDaySpec",
    "OutputSpec",
    "OverlapPolicy",
    "Retries",
    "Schedule",
    "ScheduleFileError",
    "WeekdaySpec",
    "build_trigger",
    "load_schedule",
    "load_schedules",
    "missed_firings",
]

_FRIENDLY = {
    "extra_forbidden": "unknown setting (check the spelling)",
    "missing": "required",
}


class ScheduleFileError(ConfigurationError):
    """A schedule file is unreadable or invalid; ``problems`` lists (field, message) pairs."""

    def __init__(self, path: str, problems: Sequence[tuple[str, str]]) -> None:
        self.path = path
        self.problems = list(problems)
        super().__init__(
            "\n".join(f"{path}: {field}: {msg}" if field else f"{path}: {msg}"
                      for field, msg in self.problems)
        )


# -- loading -----------------------------------------------------------------------------------


def load_schedule(path: Path | str, robots_dir: Path | None = None) -> Schedule:
    """Read and validate one schedule file; with ``robots_dir``, check the robot folder exists."""
    path = Path(path)
    label = path.as_posix()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScheduleFileError(label, [("", f"cannot read the file: {exc.strerror}")]) from exc
    except UnicodeDecodeError as exc:
        raise ScheduleFileError(label, [("", "not UTF-8 text")]) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ScheduleFileError(label, [("", f"not valid TOML: {exc}")]) from exc
    if data.get("name", path.stem) != path.stem:
        raise ScheduleFileError(label, [("name", f"must match the file name ({path.stem!r})")])
    try:
        schedule = Schedule.model_validate({**data, "name": path.stem})
    except ValidationError as exc:
        raise ScheduleFileError(label, _problems(exc)) from exc
    if robots_dir is not None and not (robots_dir / schedule.robot).is_dir():
        raise ScheduleFileError(label, [("robot", f"no folder {schedule.robot!r} in {robots_dir}")])
    return schedule


def load_schedules(
    folder: Path | str, robots_dir: Path | None = None
) -> tuple[list[Schedule], list[ScheduleFileError]]:
    """Every ``*.toml`` in ``folder``: the valid schedules and one error per bad file."""
    folder = Path(folder)
    if not folder.is_dir():
        return [], [ScheduleFileError(folder.as_posix(), [("", "no such folder")])]
    schedules: list[Schedule] = []
    errors: list[ScheduleFileError] = []
    for path in sorted(folder.glob("*.toml")):
        try:
            schedules.append(load_schedule(path, robots_dir))
        except ScheduleFileError as exc:
            errors.append(exc)
    return schedules, errors


def _problems(exc: ValidationError) -> list[tuple[str, str]]:
    problems = []
    for error in exc.errors(include_url=False):
        loc = list(error["loc"])
        if len(loc) > 1 and loc[0] == "trigger" and loc[1] in TRIGGER_TYPES:
            del loc[1]  # the union's tag, already in the file as trigger.type
        message = _FRIENDLY.get(error["type"], error["msg"].removeprefix("Value error, "))
        if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
            loc.append("type")
            message = f"must be one of {', '.join(TRIGGER_TYPES)}"
        field = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc)
        problems.append((field.lstrip("."), message))
    return problems


# -- pure use of a schedule --------------------------------------------------------------------


def build_trigger(schedule: Schedule, calendar: BusinessCalendar | None = None) -> Trigger:
    """The trigger a schedule describes; ``calendar`` defaults to the schedule's own."""
    spec = schedule.trigger
    zone = schedule.zone
    if isinstance(spec, CronSpec):
        return CronTrigger(spec.expression, timezone=zone, **spec.fields())
    if isinstance(spec, IntervalSpec):
        return IntervalTrigger(spec.every, anchor=spec.start, timezone=zone)
    calendar = calendar if calendar is not None else schedule.calendar.build()
    if isinstance(spec, BusinessDaysSpec):
        return EveryBusinessDay(spec.at, calendar, zone)
    if isinstance(spec, NthBusinessDaySpec):
        return NthBusinessDayOfMonth(spec.n, spec.at, calendar, zone)
    if isinstance(spec, LastBusinessDaySpec):
        return LastBusinessDayOfMonth(spec.at, calendar, zone)
    return WeekdayRule(spec.weekday, spec.at, calendar, spec.roll, zone)


def missed_firings(
    trigger: Trigger,
    last_seen: datetime,
    now: datetime,
    policy: CatchUpPolicy | str,
    window: timedelta,
) -> list[datetime]:
    """The missed firings to run now: nominal times in ``(last_seen, now]`` per the policy.

    ``none`` runs none; ``latest`` runs the most recent one within ``window`` of ``now``;
    ``all`` runs every one within ``window`` (``now - window`` inclusive), oldest first.
    """
    require_aware(now, "now")
    require_aware(last_seen, "last_seen")
    policy = CatchUpPolicy(policy)
    if policy is CatchUpPolicy.NONE:
        return []
    if window < timedelta(0):
        raise ValueError(f"window must not be negative, got {window}")
    earliest = now.astimezone(UTC) - window - timedelta(microseconds=1)  # elapsed, not wall time
    start = max(last_seen.astimezone(UTC), earliest)
    missed = fire_times_between(trigger, start, now)
    return missed[-1:] if policy is CatchUpPolicy.LATEST else missed
