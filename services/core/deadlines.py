"""Deadlines in Vietnamese working time, Asia/Ho_Chi_Minh.

Working days are Monday to Friday minus public holidays, plus the Saturdays the government swaps in
for a bridge holiday — all from the `holidays` package's VN calendar. Working hours are the office
hours below. A deadline of N working days falls at the close of the N-th working day after the day
the item arrives (the day of arrival does not count, as in administrative practice); a deadline of
H working hours counts office time from arrival, across lunch, nights, weekends and Tết.
"""

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
# Office hours of provincial and commune offices (Decree-era 8-hour day with a lunch break).
OFFICE_HOURS = ((time(7, 30), time(11, 30)), (time(13, 30), time(17, 30)))
CLOSE_OF_BUSINESS = OFFICE_HOURS[-1][1]
_WORKING_DAY = sum(
    (
        datetime.combine(date.min, closes) - datetime.combine(date.min, opens)
        for opens, closes in OFFICE_HOURS
    ),
    timedelta(),
)


@cache
def _calendar(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("VN", years=year)


# Cached per day: a report times hundreds of thousands of answers, and the holidays lookup is the slow part.
@cache
def is_working_day(day: date) -> bool:
    return _calendar(day.year).is_working_day(day)


@cache
def _working_days_through(year: int) -> tuple[int, ...]:
    """Entry i: the working days among the first i days of `year`."""
    counts, day = [0], date(year, 1, 1)
    while day.year == year:
        counts.append(counts[-1] + is_working_day(day))
        day += timedelta(days=1)
    return tuple(counts)


def _working_days_after(first: date, last: date) -> int:
    """Working days after `first` up to and including `last` (0 when `last` is not after `first`)."""
    if last <= first:
        return 0
    count = 0
    for year in range(first.year, last.year + 1):
        through = _working_days_through(year)
        upto = last.timetuple().tm_yday if year == last.year else len(through) - 1
        since = first.timetuple().tm_yday if year == first.year else 0
        count += through[upto] - through[since]
    return count


def add_working_days(received_at: datetime, days: int) -> datetime:
    """Close of business of the `days`-th working day after the day of `received_at` (as UTC)."""
    return _close_of_working_day(received_at.astimezone(LOCAL).date(), days)


@cache
def _close_of_working_day(arrival: date, days: int) -> datetime:
    day, remaining = arrival, days
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return datetime.combine(day, CLOSE_OF_BUSINESS, LOCAL).astimezone(UTC)


def add_working_hours(received_at: datetime, hours: float) -> datetime:
    """The moment `hours` of office time have passed since `received_at` (as UTC)."""
    remaining = timedelta(hours=hours)
    moment = received_at.astimezone(LOCAL)
    while True:
        if is_working_day(moment.date()):
            for opens, closes in OFFICE_HOURS:
                start = max(moment, datetime.combine(moment.date(), opens, LOCAL))
                end = datetime.combine(moment.date(), closes, LOCAL)
                if start >= end:
                    continue
                if start + remaining <= end:
                    return (start + remaining).astimezone(UTC)
                remaining -= end - start
        moment = datetime.combine(moment.date() + timedelta(days=1), time(0), LOCAL)


def working_hours_between(start: datetime, end: datetime) -> float:
    """Office time from `start` to `end`, in hours (0 when `end` is not after `start`): the inverse of
    add_working_hours, skipping lunch, nights, weekends and holidays. The days between the two count
    whole, so a two-year span costs no more than a day's."""
    if end <= start:
        return 0.0
    # In one zone, comparisons need no offsets.
    start, end = start.astimezone(LOCAL), end.astimezone(LOCAL)
    first, last = start.date(), end.date()
    if first == last:
        total = _office_time(first, start, end)
    else:
        total = (
            _office_time(first, start, end)
            + _office_time(last, start, end)
            + _WORKING_DAY * _working_days_after(first, last - timedelta(days=1))
        )
    return total.total_seconds() / 3600


def _office_time(day: date, start: datetime, end: datetime) -> timedelta:
    """The office time of `day` that lies between `start` and `end`."""
    total = timedelta()
    if is_working_day(day):
        for opens, closes in OFFICE_HOURS:
            begin = max(start, datetime.combine(day, opens, LOCAL))
            finish = min(end, datetime.combine(day, closes, LOCAL))
            if finish > begin:
                total += finish - begin
    return total


def working_days_between(start: datetime, end: datetime) -> int:
    """Working days after the day of `start` up to and including the day of `end` (0 when `end` falls on
    the same day or earlier): how many are left before a deadline, or how many it is past."""
    return _working_days_after(start.astimezone(LOCAL).date(), end.astimezone(LOCAL).date())
