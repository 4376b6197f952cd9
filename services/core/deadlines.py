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


@cache
def _calendar(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("VN", years=year)


def is_working_day(day: date) -> bool:
    return _calendar(day.year).is_working_day(day)


def add_working_days(received_at: datetime, days: int) -> datetime:
    """Close of business of the `days`-th working day after the day of `received_at` (as UTC)."""
    day = received_at.astimezone(LOCAL).date()
    remaining = days
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
    add_working_hours, skipping lunch, nights, weekends and holidays."""
    total = timedelta()
    day = start.astimezone(LOCAL).date()
    last = end.astimezone(LOCAL).date()
    while day <= last:
        if is_working_day(day):
            for opens, closes in OFFICE_HOURS:
                begin = max(start, datetime.combine(day, opens, LOCAL))
                finish = min(end, datetime.combine(day, closes, LOCAL))
                if finish > begin:
                    total += finish - begin
        day += timedelta(days=1)
    return total.total_seconds() / 3600


def working_days_between(start: datetime, end: datetime) -> int:
    """Working days after the day of `start` up to and including the day of `end` (0 when `end` falls on
    the same day or earlier): how many are left before a deadline, or how many it is past."""
    day = start.astimezone(LOCAL).date()
    last = end.astimezone(LOCAL).date()
    count = 0
    while day < last:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count
