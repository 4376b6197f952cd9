"""Working-time deadlines: weekends, Tết, swapped Saturdays, office hours."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from services.core.deadlines import (
    LOCAL,
    add_working_days,
    add_working_hours,
    is_working_day,
    working_days_between,
    working_hours_between,
)


def local(*args) -> datetime:
    return datetime(*args, tzinfo=LOCAL)


def test_five_working_days_from_a_thursday_skip_the_weekend():
    # Thu 19 Nov 2026 → Fri 20, Mon 23, Tue 24 is Vietnam Cultural Day, Wed 25, Thu 26, Fri 27.
    assert add_working_days(local(2026, 11, 19, 9, 0), 5) == local(2026, 11, 27, 17, 30)


def test_working_days_skip_tet():
    # Tết 2027: Thu 4 Feb to Wed 10 Feb are all days off.
    assert add_working_days(local(2027, 2, 3, 10, 0), 1) == local(2027, 2, 11, 17, 30)


def test_a_saturday_swapped_in_for_a_bridge_holiday_counts_as_a_working_day():
    assert is_working_day(local(2026, 8, 22).date())  # Saturday, worked for Monday 31 August
    assert not is_working_day(local(2026, 8, 31).date())
    assert add_working_days(local(2026, 8, 21, 16, 0), 1) == local(2026, 8, 22, 17, 30)


def test_an_item_arriving_on_a_sunday_counts_from_monday():
    assert add_working_days(local(2026, 11, 22, 20, 0), 1) == local(2026, 11, 23, 17, 30)


def test_four_working_hours_cross_lunch():
    assert add_working_hours(local(2026, 11, 23, 10, 0), 4) == local(2026, 11, 23, 16, 0)


def test_working_hours_after_closing_on_friday_run_on_monday_morning():
    assert add_working_hours(local(2026, 11, 20, 18, 0), 4) == local(2026, 11, 23, 11, 30)


def test_working_hours_jump_over_tet():
    assert add_working_hours(local(2027, 2, 3, 16, 30), 2) == local(2027, 2, 11, 8, 30)


def test_working_hours_between_friday_afternoon_and_monday_morning():
    # Fri 16:00-17:30 and Mon 07:30-09:00: the weekend counts nothing.
    assert working_hours_between(local(2026, 11, 6, 16, 0), local(2026, 11, 9, 9, 0)) == 3.0


def test_working_hours_between_skip_lunch_and_tet():
    assert working_hours_between(local(2026, 11, 10, 10, 0), local(2026, 11, 10, 14, 0)) == 2.0
    # Wed 3 Feb 2027 16:00 to Thu 11 Feb 09:00: Tết (4-10 Feb) counts nothing.
    assert working_hours_between(local(2027, 2, 3, 16, 0), local(2027, 2, 11, 9, 0)) == 3.0
    assert working_hours_between(local(2026, 11, 10, 14, 0), local(2026, 11, 10, 10, 0)) == 0.0


@given(st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 1)), st.integers(1, 60))
def test_working_hours_between_undoes_add_working_hours(start, quarters):
    start = start.replace(tzinfo=LOCAL)
    hours = quarters / 4
    assert working_hours_between(start, add_working_hours(start, hours)) == hours


def test_deadlines_come_back_in_utc():
    due = add_working_days(local(2026, 11, 23, 9, 0), 1)  # Tuesday 24 is a holiday
    assert due.tzinfo == UTC and due == datetime(2026, 11, 25, 10, 30, tzinfo=UTC)


# Around midnight in Vietnam (UTC+7) the local and the UTC calendar day differ: the arrival day is local.
def test_an_item_arriving_at_half_past_midnight_on_friday_counts_from_friday():
    # 17:30 UTC Thursday 3 Dec 2026 is 00:30 Friday 4 Dec in Vietnam: one working day → Monday 7 Dec.
    arrival = datetime(2026, 12, 3, 17, 30, tzinfo=UTC)
    assert add_working_days(arrival, 1) == datetime(2026, 12, 7, 10, 30, tzinfo=UTC)


def test_an_item_arriving_a_minute_before_local_midnight_counts_from_that_day():
    # 16:59 UTC Thursday 3 Dec is 23:59 Thursday in Vietnam: one working day → Friday 4 Dec.
    arrival = datetime(2026, 12, 3, 16, 59, tzinfo=UTC)
    assert add_working_days(arrival, 1) == datetime(2026, 12, 4, 10, 30, tzinfo=UTC)


def test_working_hours_from_just_after_local_midnight_start_at_that_mornings_opening():
    # 17:05 UTC Sunday 22 Nov is 00:05 Monday 23 Nov: two office hours → 09:30 local Monday.
    arrival = datetime(2026, 11, 22, 17, 5, tzinfo=UTC)
    assert add_working_hours(arrival, 2) == datetime(2026, 11, 23, 2, 30, tzinfo=UTC)


moments = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 1), timezones=st.just(UTC)
)


@given(moments, st.integers(min_value=1, max_value=30))
def test_a_working_day_deadline_is_a_working_days_close_after_the_arrival_day(received_at, days):
    due = add_working_days(received_at, days).astimezone(LOCAL)
    assert is_working_day(due.date())
    assert due.date() > received_at.astimezone(LOCAL).date()
    assert due.time().hour == 17 and due.time().minute == 30


@given(moments, st.integers(min_value=1, max_value=16))
def test_more_working_hours_never_make_an_earlier_deadline(received_at, hours):
    earlier, later = add_working_hours(received_at, hours), add_working_hours(received_at, hours + 1)
    assert later - earlier >= timedelta(hours=1)
    assert is_working_day(later.astimezone(LOCAL).date())


@given(
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)),
    st.integers(min_value=0, max_value=40),
)
def test_working_days_between_counts_back_what_add_working_days_added(start, days):
    assert working_days_between(start, add_working_days(start, days)) == days


def test_working_days_between_skips_weekends_and_holidays():
    # Fri 20 Nov 2026 to Wed 25: Mon 23 and Wed 25 count; the weekend and Tue 24 (a holiday) do not.
    assert working_days_between(local(2026, 11, 20, 9, 0), local(2026, 11, 25, 8, 0)) == 2
    assert working_days_between(local(2026, 11, 25, 9, 0), local(2026, 11, 20, 8, 0)) == 0


# A report times answers across a whole period: the days between count whole, across years and Tết.
@given(moments, st.integers(min_value=1, max_value=8 * 500))
def test_working_hours_between_undoes_add_working_hours_across_years(received_at, hours):
    assert working_hours_between(received_at, add_working_hours(received_at, hours)) == hours
