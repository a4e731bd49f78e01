"""The models of a schedule file (``schedules/<name>.toml``), validated with pydantic v2.

Load files with :mod:`finrpa.runs.schedules`, which turns validation errors into messages
naming the file and the field. Durations are ``"30m"``, ``"1h30m"``, ``"1d"``, ``"90s"``,
ISO 8601 (``"PT30M"``) or seconds; times of day are ``"HH:MM"`` local time.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from pathlib import PurePosixPath
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from finrpa.domain.calendar import BusinessCalendar
from finrpa.runs.triggers import DEFAULT_TIMEZONE, WEEKDAY_NAMES, CronTrigger, Roll

TRIGGER_TYPES = (
    "cron", "interval", "business_days", "nth_business_day", "last_business_day", "weekday"
)
_NAME = r"^[a-z][a-z0-9_]*$"
_DURATION = re.compile(r"^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_WALL_TIME = re.compile(r"^\d{2}:\d{2}(?::\d{2})?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


# -- field types -------------------------------------------------------------------------------


def _parse_duration(value: Any) -> Any:
    if isinstance(value, str) and value and (match := _DURATION.match(value.strip())):
        weeks, days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
        return timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)
    iso_or_clock = isinstance(value, str) and (value.startswith("P") or ":" in value)
    if isinstance(value, bool) or (isinstance(value, str) and not iso_or_clock):
        raise ValueError('use a duration such as "30m", "1h30m", "1d" or "PT30M"')
    return value  # ISO 8601, "HH:MM:SS" or seconds: pydantic parses those


def _positive(value: timedelta) -> timedelta:
    if value <= timedelta(0):
        raise ValueError("must be longer than zero")
    return value


def _parse_wall_time(value: Any) -> Any:
    if isinstance(value, time):
        if value.tzinfo is not None:
            raise ValueError("give a local time without a time zone (the schedule has one)")
        return value
    if isinstance(value, str) and _WALL_TIME.match(value.strip()):
        return time.fromisoformat(value.strip())
    raise ValueError('use HH:MM, e.g. "07:00"')


def _weekday_number(value: Any) -> int:
    if isinstance(value, str):
        name = value.strip().lower()
        for number, full in enumerate(WEEKDAY_NAMES):
            if name in (full, full[:3]):
                return number
    raise ValueError('use a weekday name such as "friday" or "fri"')


def _relative_path(value: str) -> str:
    path = PurePosixPath(value.replace("\\", "/"))
    if not value.strip() or path.is_absolute() or ".." in path.parts:
        raise ValueError("use a folder relative to the repository, without '..'")
    return value


Duration = Annotated[timedelta, BeforeValidator(_parse_duration), AfterValidator(_positive)]
WallTime = Annotated[time, BeforeValidator(_parse_wall_time)]
Weekday = Annotated[int, BeforeValidator(_weekday_number)]
RelativePath = Annotated[str, AfterValidator(_relative_path)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# -- triggers ----------------------------------------------------------------------------------


class CronSpec(_Model):
    """``type = "cron"``: a crontab ``expression`` or the fields by name (weekdays as names)."""

    type: Literal["cron"]
    expression: str | None = None
    second: str | int | None = None
    minute: str | int | None = None
    hour: str | int | None = None
    day: str | int | None = None
    month: str | int | None = None
    day_of_week: str | None = None

    def fields(self) -> dict[str, str | int]:
        """The named cron fields that are set."""
        return self.model_dump(exclude={"type", "expression"}, exclude_none=True)

    @field_validator("expression")
    @classmethod
    def _check_expression(cls, value: str | None) -> str | None:
        if value is not None:
            CronTrigger(value)  # ValueError with the reason
        return value

    @field_validator("second", "minute", "hour", "day", "month", "day_of_week")
    @classmethod
    def _check_field(cls, value: str | int | None, info: ValidationInfo) -> str | int | None:
        if value is not None:
            CronTrigger(None, timezone=DEFAULT_TIMEZONE, **{str(info.field_name): value})
        return value

    @model_validator(mode="after")
    def _expression_or_fields(self) -> CronSpec:
        if (self.expression is None) == (not self.fields()):
            raise ValueError("give either expression or fields (minute, hour, …), exactly one")
        return self


class IntervalSpec(_Model):
    """``type = "interval"``: every ``every`` of elapsed time, counted from ``start``."""

    type: Literal["interval"]
    every: Duration
    start: datetime = datetime(2025, 1, 1)  # local time in the schedule's zone

    @field_validator("every")
    @classmethod
    def _whole_seconds(cls, value: timedelta) -> timedelta:
        if value % timedelta(seconds=1):
            raise ValueError("use whole seconds")
        return value


class BusinessDaysSpec(_Model):
    """``type = "business_days"``: every business day at ``at``."""

    type: Literal["business_days"]
    at: WallTime


class NthBusinessDaySpec(_Model):
    """``type = "nth_business_day"``: the ``n``-th business day of the month (-1 = last)."""

    type: Literal["nth_business_day"]
    n: int = Field(ge=-23, le=23)
    at: WallTime

    @field_validator("n")
    @classmethod
    def _not_zero(cls, value: int) -> int:
        if value == 0:
            raise ValueError("count from 1 (first) or from -1 (last); 0 is not a position")
        return value


class LastBusinessDaySpec(_Model):
    """``type = "last_business_day"``: the last business day of the month."""

    type: Literal["last_business_day"]
    at: WallTime


class WeekdaySpec(_Model):
    """``type = "weekday"``: a weekday each week; a closed day rolls per ``roll``."""

    type: Literal["weekday"]
    weekday: Weekday
    at: WallTime
    roll: Roll = "next_business_day"


TriggerSpec = Annotated[
    CronSpec | IntervalSpec | BusinessDaysSpec | NthBusinessDaySpec | LastBusinessDaySpec
    | WeekdaySpec,
    Field(discriminator="type"),
]


# -- the rest of a schedule --------------------------------------------------------------------


class OverlapPolicy(StrEnum):
    """What to do when a firing comes while the previous run still runs."""

    SKIP = "skip"  # drop the new firing
    QUEUE_ONE = "queue_one"  # keep at most one waiting run
    ALLOW = "allow"  # run side by side


class CatchUpPolicy(StrEnum):
    """What to do with firings missed while the scheduler was down."""

    NONE = "none"
    LATEST = "latest"
    ALL = "all"


class CatchUp(_Model):
    """Catch-up policy and how far back (``window``) missed firings still count."""

    policy: CatchUpPolicy = CatchUpPolicy.NONE
    window: Duration = timedelta(days=1)


class CalendarSpec(_Model):
    """The business calendar: Finnish holidays plus the office's own closures."""

    name: Literal["FI"] = "FI"
    extra_closures: list[date] = Field(default_factory=list)
    extra_working_days: list[date] = Field(default_factory=list)

    @model_validator(mode="after")
    def _no_clash(self) -> CalendarSpec:
        clash = sorted(set(self.extra_closures) & set(self.extra_working_days))
        if clash:
            listed = ", ".join(day.isoformat() for day in clash)
            raise ValueError(f"dates both in extra_closures and extra_working_days: {listed}")
        return self

    def build(self) -> BusinessCalendar:
        """The calendar these settings describe."""
        return BusinessCalendar.finland(
            extra_closures=self.extra_closures, extra_working_days=self.extra_working_days
        )


class InputSpec(_Model):
    """Input folder; with ``pattern`` (a glob), a run starts only if a matching file is there."""

    folder: RelativePath
    pattern: str | None = None


class OutputSpec(_Model):
    """Where the robot writes its results."""

    folder: RelativePath


class Retries(_Model):
    """Retries of a failed run (application errors only): ``backoff_seconds * factor**k``."""

    count: int = Field(default=0, ge=0, le=20)
    backoff_seconds: float = Field(default=60, ge=0)
    factor: float = Field(default=2.0, ge=1)

    def delay_before(self, attempt: int) -> timedelta:
        """The wait before retry ``attempt`` (1 = the first retry)."""
        if not 1 <= attempt <= self.count:
            raise ValueError(f"retry {attempt} is outside 1…{self.count}")
        return timedelta(seconds=self.backoff_seconds * self.factor ** (attempt - 1))


class Alerts(_Model):
    """Who gets mail, and when."""

    recipients: list[str] = Field(min_length=1)
    on_failure: bool = True
    exceptions_over: int | None = Field(default=None, ge=0)
    overdue_exceptions: bool = False

    @field_validator("recipients")
    @classmethod
    def _emails(cls, value: list[str]) -> list[str]:
        bad = [address for address in value if not _EMAIL.match(address)]
        if bad:
            raise ValueError(f"not e-mail addresses: {', '.join(bad)}")
        return value


class Schedule(_Model):
    """One ``schedules/<name>.toml`` file."""

    name: str = Field(pattern=_NAME)
    robot: str = Field(pattern=_NAME, description="Folder name under robots/")
    description: str = ""
    enabled: bool = True
    trigger: TriggerSpec
    timezone: str = DEFAULT_TIMEZONE
    calendar: CalendarSpec = CalendarSpec()
    input: InputSpec | None = None
    output: OutputSpec | None = None
    overlap: OverlapPolicy = OverlapPolicy.SKIP
    catch_up: CatchUp = CatchUp()
    jitter_seconds: int = Field(default=0, ge=0, le=3600)
    max_run_time: Duration | None = None
    retries: Retries = Retries()
    alerts: Alerts | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from exc
        return value

    @property
    def zone(self) -> ZoneInfo:
        """The schedule's time zone."""
        return ZoneInfo(self.timezone)
