"""Schedule files: parsing, errors that name file and field, triggers built, catch-up policies."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from textwrap import dedent
from zoneinfo import ZoneInfo

import pytest

from finrpa.domain.calendar import BusinessCalendar
from finrpa.errors import ConfigurationError
from finrpa.runs.schedules import (
    BusinessDaysSpec,
    CatchUpPolicy,
    OverlapPolicy,
    Retries,
    ScheduleFileError,
    build_trigger,
    load_schedule,
    load_schedules,
    missed_firings,
)
from finrpa.runs.triggers import CronTrigger, EveryBusinessDay, IntervalTrigger

REPO = Path(__file__).resolve().parents[2]
HKI = ZoneInfo("Europe/Helsinki")
MINIMAL = 'robot = "example_robot"\n[trigger]\ntype = "business_days"\nat = "07:00"\n'


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=HKI)


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty ``schedules/`` folder; the working directory is its parent."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "schedules").mkdir()
    return Path("schedules")


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.toml"
    path.write_text(dedent(text), encoding="utf-8")
    return path


# -- the repository's own schedule files ---------------------------------------------------------


def test_invoice_matching_schedule_says_what_finance_ops_asked_for() -> None:
    schedule = load_schedule(REPO / "schedules" / "invoice_matching.toml")
    assert schedule.name == "invoice_matching"
    assert schedule.robot == "invoice_matching"
    assert schedule.trigger == BusinessDaysSpec(type="business_days", at=time(7, 0))
    assert schedule.timezone == "Europe/Helsinki"
    assert schedule.input is not None and schedule.input.folder == "fixtures/invoice_matching/"
    assert schedule.overlap is OverlapPolicy.SKIP
    assert schedule.catch_up.policy is CatchUpPolicy.LATEST
    assert schedule.catch_up.window == timedelta(days=1)
    assert schedule.max_run_time == timedelta(minutes=30)
    assert schedule.alerts is not None
    assert schedule.alerts.recipients == ["finance-ops@example.org"]
    assert (schedule.alerts.on_failure, schedule.alerts.exceptions_over) == (True, 20)
    assert schedule.enabled


def test_invoice_matching_fires_on_business_days_at_seven() -> None:
    schedule = load_schedule(REPO / "schedules" / "invoice_matching.toml")
    trigger = build_trigger(schedule)
    assert trigger.next_fire_time(local(2025, 12, 23, 7)) == local(2025, 12, 29, 7)
    assert trigger.next_fire_time(local(2026, 6, 18, 8)) == local(2026, 6, 22, 7)  # Midsummer


def test_all_repository_schedules_load() -> None:
    schedules, errors = load_schedules(REPO / "schedules")
    assert errors == []
    assert {s.name for s in schedules} >= {"invoice_matching", "example_robot"}


def test_example_robot_schedule_points_at_an_existing_robot() -> None:
    path = REPO / "schedules" / "example_robot.toml"
    schedule = load_schedule(path, robots_dir=REPO / "robots")
    assert schedule.robot == "example_robot"
    assert schedule.alerts is None


# -- every trigger type from a file --------------------------------------------------------------


@pytest.mark.parametrize(
    ("trigger", "after", "expected"),
    [
        ('type = "business_days"\nat = "07:00"', local(2025, 12, 31, 8), local(2026, 1, 2, 7)),
        ('type = "nth_business_day"\nn = 1\nat = 07:00:00', local(2025, 12, 15),
         local(2026, 1, 2, 7)),
        ('type = "nth_business_day"\nn = -1\nat = "18:00"', local(2025, 12, 1),
         local(2025, 12, 31, 18)),
        ('type = "last_business_day"\nat = "18:00"', local(2026, 4, 1), local(2026, 4, 30, 18)),
        ('type = "weekday"\nweekday = "friday"\nat = "14:00"\nroll = "previous_business_day"',
         local(2025, 12, 22), local(2025, 12, 23, 14)),
        ('type = "weekday"\nweekday = "Mon"\nat = "07:00"', local(2026, 4, 1),
         local(2026, 4, 7, 7)),
        ('type = "cron"\nexpression = "30 9 * * mon-fri"', local(2025, 12, 24, 10),
         local(2025, 12, 25, 9, 30)),
        ('type = "cron"\nhour = 6\nminute = "*/30"', local(2026, 1, 1, 6, 10),
         local(2026, 1, 1, 6, 30)),
        ('type = "interval"\nevery = "15m"', local(2026, 1, 1, 6, 10), local(2026, 1, 1, 6, 15)),
        ('type = "interval"\nevery = "PT2H"\nstart = 2026-01-01T01:00:00', local(2026, 1, 1, 2),
         local(2026, 1, 1, 3)),
    ],
)
def test_each_trigger_type(folder: Path, trigger: str, after: datetime, expected: datetime) -> None:
    write(folder, "demo", f'robot = "demo"\n[trigger]\n{trigger}\n')
    assert build_trigger(load_schedule(folder / "demo.toml")).next_fire_time(after) == expected


def test_calendar_closures_and_the_calendar_argument(folder: Path) -> None:
    write(folder, "demo", MINIMAL + '[calendar]\nextra_closures = [2026-01-02]\n')
    schedule = load_schedule(folder / "demo.toml")
    assert build_trigger(schedule).next_fire_time(local(2025, 12, 31, 8)) == local(2026, 1, 5, 7)
    plain = build_trigger(schedule, BusinessCalendar.finland())
    assert plain.next_fire_time(local(2025, 12, 31, 8)) == local(2026, 1, 2, 7)


def test_timezone_and_trigger_classes(folder: Path) -> None:
    write(folder, "a", 'timezone = "UTC"\n' + MINIMAL)
    daily = build_trigger(load_schedule(folder / "a.toml"))
    assert isinstance(daily, EveryBusinessDay)
    assert daily.next_fire_time(local(2026, 1, 2, 8)) == datetime(2026, 1, 2, 7, tzinfo=UTC)
    stockholm = 'robot = "x"\ntimezone = "Europe/Stockholm"\n[trigger]\ntype = "cron"\nhour = 7'
    write(folder, "b", stockholm)
    trigger = build_trigger(load_schedule(folder / "b.toml"))
    assert isinstance(trigger, CronTrigger)
    assert trigger.timezone.key == "Europe/Stockholm"
    write(folder, "c", 'robot = "x"\n[trigger]\ntype = "interval"\nevery = 90\n')
    interval = build_trigger(load_schedule(folder / "c.toml"))
    assert isinstance(interval, IntervalTrigger) and interval.every == timedelta(seconds=90)


def test_defaults(folder: Path) -> None:
    schedule = load_schedule(write(folder, "demo", MINIMAL))
    assert schedule.overlap is OverlapPolicy.SKIP
    assert schedule.catch_up.policy is CatchUpPolicy.NONE
    assert (schedule.jitter_seconds, schedule.max_run_time, schedule.alerts) == (0, None, None)
    assert schedule.retries.count == 0
    assert schedule.calendar.name == "FI"
    assert schedule.enabled


@pytest.mark.parametrize(
    ("written", "expected"),
    [("30m", timedelta(minutes=30)), ("1h30m", timedelta(hours=1, minutes=30)),
     ("1d", timedelta(days=1)), ("90s", timedelta(seconds=90)), ("PT45M", timedelta(minutes=45)),
     ("02:00:00", timedelta(hours=2)), ("2w", timedelta(weeks=2))],
)
def test_duration_forms(folder: Path, written: str, expected: timedelta) -> None:
    schedule = load_schedule(write(folder, "demo", f'max_run_time = "{written}"\n' + MINIMAL))
    assert schedule.max_run_time == expected


def test_retry_delays_grow_by_the_factor() -> None:
    retries = Retries(count=3, backoff_seconds=300, factor=2)
    assert [retries.delay_before(n) for n in (1, 2, 3)] == [
        timedelta(minutes=5), timedelta(minutes=10), timedelta(minutes=20)
    ]
    with pytest.raises(ValueError, match="outside"):
        retries.delay_before(4)


# -- errors name the file and the field ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (MINIMAL.replace('"07:00"', '"7:00"'), 'trigger.at: use HH:MM, e.g. "07:00"'),
        (MINIMAL.replace('"07:00"', "700"), 'trigger.at: use HH:MM, e.g. "07:00"'),
        (MINIMAL.replace('"business_days"', '"weekly"'), "trigger.type: must be one of cron,"),
        (MINIMAL.replace('type = "business_days"\n', ""), "trigger.type: must be one of"),
        (MINIMAL.replace('robot = "example_robot"\n', ""), "robot: required"),
        ('robot = "Bad Name"\n' + MINIMAL.split("\n", 1)[1], "robot: String should match"),
        ('overlapp = "skip"\n' + MINIMAL, "overlapp: unknown setting (check the spelling)"),
        ('overlap = "never"\n' + MINIMAL, "overlap: Input should be 'skip', 'queue_one' or"),
        ('timezone = "Europe/Helsinkii"\n' + MINIMAL, "timezone: unknown time zone"),
        ('max_run_time = "1x"\n' + MINIMAL, 'max_run_time: use a duration such as "30m"'),
        ('max_run_time = "0m"\n' + MINIMAL, "max_run_time: must be longer than zero"),
        ('jitter_seconds = -1\n' + MINIMAL, "jitter_seconds: Input should be greater than"),
        (MINIMAL + '[catch_up]\npolicy = "some"\n', "catch_up.policy: Input should be 'none'"),
        (MINIMAL + '[alerts]\nrecipients = ["nope"]\n', "alerts.recipients: not e-mail addresses"),
        (MINIMAL + "[alerts]\nrecipients = []\n", "alerts.recipients: List should have at least 1"),
        (MINIMAL + '[alerts]\nrecipients = ["a@b.fi"]\nexceptions_over = "many"\n',
         "alerts.exceptions_over: Input should be a valid integer"),
        (MINIMAL + "[retries]\nfactor = 0.5\n", "retries.factor: Input should be greater than"),
        (MINIMAL + '[input]\nfolder = "/etc"\n', "input.folder: use a folder relative"),
        (MINIMAL + "[calendar]\nextra_closures = [2026-01-02]\n"
         "extra_working_days = [2026-01-02]\n",
         "calendar: dates both in extra_closures and extra_working_days: 2026-01-02"),
        (MINIMAL + '[calendar]\nextra_closures = ["soon"]\n', "calendar.extra_closures[0]: Input"),
        (MINIMAL + '[calendar]\nname = "SE"\n', "calendar.name: Input should be 'FI'"),
        ('robot = "x"\n[trigger]\ntype = "nth_business_day"\nn = 0\nat = "07:00"\n',
         "trigger.n: count from 1 (first) or from -1 (last)"),
        ('robot = "x"\n[trigger]\ntype = "nth_business_day"\nat = "07:00"\n',
         "trigger.n: required"),
        ('robot = "x"\n[trigger]\ntype = "weekday"\nweekday = 4\nat = "07:00"\n',
         "trigger.weekday: use a weekday name"),
        ('robot = "x"\n[trigger]\ntype = "weekday"\nweekday = "fri"\nat = "07:00"\nroll = "up"\n',
         "trigger.roll: Input should be"),
        ('robot = "x"\n[trigger]\ntype = "cron"\nexpression = "0 7 * * 1-5"\n',
         "trigger.expression: day_of_week '1-5': use names"),
        ('robot = "x"\n[trigger]\ntype = "cron"\nhour = 25\n', "trigger.hour: Error validating"),
        ('robot = "x"\n[trigger]\ntype = "cron"\n', "trigger: give either expression or fields"),
        ('robot = "x"\n[trigger]\ntype = "interval"\nevery = "0s"\n', "trigger.every: must be"),
        ('robot = "x"\n[trigger]\ntype = "interval"\n', "trigger.every: required"),
        (MINIMAL + 'timezone = "UTC"\n', "trigger.timezone: unknown setting"),  # below [trigger]
        ('name = "other"\n' + MINIMAL, "name: must match the file name ('invoice_matching')"),
        ("robot = \n", "not valid TOML: Invalid value (at line 1, column 9)"),
    ],
)
def test_errors_name_the_file_and_the_field(folder: Path, text: str, message: str) -> None:
    path = write(folder, "invoice_matching", text)
    with pytest.raises(ConfigurationError) as caught:
        load_schedule(path)
    lines = str(caught.value).splitlines()
    assert any(line.startswith(f"schedules/invoice_matching.toml: {message}") for line in lines), (
        lines
    )


def test_all_problems_of_a_file_are_reported(folder: Path) -> None:
    path = write(folder, "demo", 'overlap = "never"\njitter_seconds = -5\n' + MINIMAL)
    with pytest.raises(ScheduleFileError) as caught:
        load_schedule(path)
    assert [field for field, _ in caught.value.problems] == ["overlap", "jitter_seconds"]
    assert caught.value.path == "schedules/demo.toml"


def test_one_bad_file_does_not_hide_the_others(folder: Path) -> None:
    write(folder, "a_good", MINIMAL)
    write(folder, "b_bad", MINIMAL.replace('"07:00"', '"seven"'))
    write(folder, "c_good", MINIMAL)
    (folder / "d_dir.toml").mkdir()
    (folder / "notes.txt").write_text("not a schedule")
    schedules, errors = load_schedules(folder)
    assert [s.name for s in schedules] == ["a_good", "c_good"]
    assert [e.path for e in errors] == ["schedules/b_bad.toml", "schedules/d_dir.toml"]
    assert "cannot read the file" in str(errors[1])


def test_a_missing_folder_is_one_error(folder: Path) -> None:
    schedules, errors = load_schedules(folder / "nowhere")
    assert schedules == []
    assert str(errors[0]) == "schedules/nowhere: no such folder"


def test_the_robot_folder_is_checked_when_asked(folder: Path, tmp_path: Path) -> None:
    write(folder, "demo", MINIMAL)
    with pytest.raises(ScheduleFileError, match="robot: no folder 'example_robot'"):
        load_schedule(folder / "demo.toml", robots_dir=tmp_path / "robots")
    (tmp_path / "robots" / "example_robot").mkdir(parents=True)
    found = load_schedule(folder / "demo.toml", robots_dir=tmp_path / "robots")
    assert found.robot == "example_robot"


# -- catch-up ------------------------------------------------------------------------------------

DAILY = EveryBusinessDay(time(7, 0), BusinessCalendar.finland())
LAST_SEEN = local(2025, 12, 15, 7)  # a Monday's run
NOW = local(2025, 12, 22, 12)  # the scheduler comes back the next Monday at noon


def test_catch_up_none_runs_nothing() -> None:
    assert missed_firings(DAILY, LAST_SEEN, NOW, "none", timedelta(days=30)) == []


def test_catch_up_latest_runs_the_most_recent_missed_firing() -> None:
    assert missed_firings(DAILY, LAST_SEEN, NOW, CatchUpPolicy.LATEST, timedelta(days=1)) == [
        local(2025, 12, 22, 7)
    ]


def test_catch_up_latest_outside_the_window_runs_nothing() -> None:
    late = local(2025, 12, 24, 12)  # Christmas Eve: the last firing was Tuesday 07:00
    assert missed_firings(DAILY, LAST_SEEN, late, "latest", timedelta(days=1)) == []
    assert missed_firings(DAILY, LAST_SEEN, late, "latest", timedelta(days=2)) == [
        local(2025, 12, 23, 7)
    ]


def test_catch_up_all_runs_every_missed_firing_in_the_window() -> None:
    assert missed_firings(DAILY, LAST_SEEN, NOW, "all", timedelta(days=30)) == [
        local(2025, 12, day, 7) for day in (16, 17, 18, 19, 22)
    ]
    assert missed_firings(DAILY, LAST_SEEN, NOW, "all", timedelta(days=3, hours=5)) == [
        local(2025, 12, 19, 7), local(2025, 12, 22, 7)
    ]


def test_catch_up_window_edge_and_last_seen_are_exact() -> None:
    edge = local(2025, 12, 22, 7)
    assert missed_firings(DAILY, LAST_SEEN, edge, "all", timedelta(days=3)) == [
        local(2025, 12, 19, 7), edge
    ]
    assert missed_firings(DAILY, edge, edge + timedelta(hours=1), "all", timedelta(days=9)) == []


def test_catch_up_on_a_dst_night_counts_each_firing_once() -> None:
    trigger = CronTrigger(minute=30)
    last = datetime(2025, 10, 25, 22, 0, tzinfo=UTC)
    now = datetime(2025, 10, 26, 3, 0, tzinfo=UTC)
    missed = missed_firings(trigger, last, now, "all", timedelta(days=1))
    assert [m.astimezone(UTC).strftime("%H:%M") for m in missed] == [
        "22:30", "23:30", "00:30", "02:30"
    ]


def test_catch_up_window_is_elapsed_time_across_a_dst_change() -> None:
    noon = CronTrigger(hour=12, minute=0)
    now = local(2025, 10, 26, 12)  # 24 wall-clock hours after Saturday noon, but 25 elapsed
    saturday_noon = local(2025, 10, 25, 12)
    seen = saturday_noon - timedelta(days=3)
    assert missed_firings(noon, seen, now, "all", timedelta(days=1)) == [now]
    assert missed_firings(noon, seen, now, "all", timedelta(hours=25)) == [saturday_noon, now]


def test_catch_up_refuses_naive_times_and_unknown_policies() -> None:
    with pytest.raises(ValueError, match="now must be timezone-aware"):
        missed_firings(DAILY, LAST_SEEN, datetime(2025, 12, 22), "all", timedelta(days=1))
    with pytest.raises(ValueError, match="'sometimes' is not a valid CatchUpPolicy"):
        missed_firings(DAILY, LAST_SEEN, NOW, "sometimes", timedelta(days=1))


def test_catch_up_examples_use_business_days() -> None:
    calendar = BusinessCalendar.finland()
    assert all(calendar.is_business_day(date(2025, 12, d)) for d in (15, 16, 17, 18, 19, 22, 23))
