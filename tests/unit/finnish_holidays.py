"""Finnish bank holidays computed independently of the ``holidays`` package, for the tests.

Easter is the anonymous Gregorian algorithm (Meeus/Jones/Butcher); the rest follows the
Finnish Act on public holidays and the banks' closing days (Midsummer Eve, Christmas Eve).
Names are the ``holidays`` package's English (en_US) ones, so verdicts can be compared.
"""

from __future__ import annotations

from datetime import date, timedelta


def easter_sunday(year: int) -> date:
    """Western (Gregorian) Easter Sunday."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741 - the algorithm's own name
    m = (a + 11 * h + 22 * l) // 451
    month, day = divmod(h + l - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _weekday_between(year: int, month: int, first_day: int, weekday: int) -> date:
    """The date with ``weekday`` (0 = Monday) in the seven days starting ``first_day``."""
    start = date(year, month, first_day)
    return start + timedelta(days=(weekday - start.weekday()) % 7)


def finnish_holidays(year: int) -> dict[date, str]:
    """Every day the ``holidays`` package's default FI category lists, with its en_US name."""
    easter = easter_sunday(year)
    midsummer_eve = _weekday_between(year, 6, 19, 4)  # Friday 19–25 June
    all_saints = _weekday_between(year, 10, 31, 5)  # Saturday 31 October – 6 November
    return {
        date(year, 1, 1): "New Year's Day",
        date(year, 1, 6): "Epiphany",
        easter - timedelta(days=2): "Good Friday",
        easter: "Easter Sunday",
        easter + timedelta(days=1): "Easter Monday",
        date(year, 5, 1): "May Day",
        easter + timedelta(days=39): "Ascension Day",
        easter + timedelta(days=49): "Pentecost",
        midsummer_eve: "Midsummer Eve",
        midsummer_eve + timedelta(days=1): "Midsummer Day",
        all_saints: "All Saints' Day",
        date(year, 12, 6): "Independence Day",
        date(year, 12, 24): "Christmas Eve",
        date(year, 12, 25): "Christmas Day",
        date(year, 12, 26): "Second Day of Christmas",
    }


def is_bank_day(day: date) -> bool:
    """A weekday that is not a Finnish bank holiday."""
    return day.weekday() < 5 and day not in finnish_holidays(day.year)


def bank_days(start: date, end: date) -> list[date]:
    """Bank days in ``[start, end)``."""
    days = []
    day = start
    while day < end:
        if is_bank_day(day):
            days.append(day)
        day += timedelta(days=1)
    return days


def bank_days_in_month(year: int, month: int) -> list[date]:
    """Bank days of the month."""
    end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return bank_days(date(year, month, 1), end)


def last_sunday(year: int, month: int) -> date:
    """The last Sunday of a month (March and October: the EU clock changes)."""
    end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    last = end - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - 6) % 7)
