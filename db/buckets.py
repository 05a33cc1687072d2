"""Time functions in SQL that both backends answer alike: a UTC timestamp as days or whole hours
since the epoch, and its local day or hour of the day in a timezone.

Reports group by local day in SQL: a zone's offsets over the asked span are found here with
zoneinfo (so both backends, and Python, agree on every instant, daylight saving included) and
each row's day (or hour) is its UTC time moved by its offset.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import Float, Integer, String, case, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class epoch_days(FunctionElement):  # noqa: N801 - used like a SQL function
    """A UTC timestamp as days since 1970-01-01 (a float): cheaper to ship and subtract than datetimes."""

    type = Float()
    inherit_cache = True
    name = "epoch_days"


@compiles(epoch_days)
def _epoch_days_postgresql(element, compiler, **kw) -> str:
    # date_part gives double precision (extract gives numeric, which arrives as Decimal)
    return f"(date_part('epoch', {compiler.process(element.clauses, **kw)}) / 86400.0)"


@compiles(epoch_days, "sqlite")
def _epoch_days_sqlite(element, compiler, **kw) -> str:
    return f"(julianday({compiler.process(element.clauses, **kw)}) - 2440587.5)"


class shifted_day(FunctionElement):  # noqa: N801 - used like a SQL function
    """The calendar day, "YYYY-MM-DD", of a UTC timestamp moved by a whole number of seconds."""

    type = String()
    inherit_cache = True
    name = "shifted_day"


def _seconds(element) -> int:
    # an offset we computed from a zone (never a person's input), inlined so that each backend reads
    # it as the number of seconds it is; a literal column, as its text is part of the statement
    # cache's key (a bound literal's value is not: another zone would reuse the first one's SQL)
    return int(list(element.clauses)[1].name)


@compiles(shifted_day)
def _shifted_day_postgresql(element, compiler, **kw) -> str:
    column = compiler.process(list(element.clauses)[0], **kw)
    return f"to_char(({column}) AT TIME ZONE 'UTC' + interval '{_seconds(element)} seconds', 'YYYY-MM-DD')"


@compiles(shifted_day, "sqlite")
def _shifted_day_sqlite(element, compiler, **kw) -> str:
    column = compiler.process(list(element.clauses)[0], **kw)
    # whole seconds first: SQLite rounds microseconds to milliseconds, which would carry 23:59:59.9999
    # into the next day
    return f"date(substr({column}, 1, 19), '{_seconds(element):+d} seconds')"


Offsets = tuple[tuple[datetime | None, int], ...]


@lru_cache(maxsize=256)
def offsets(tz: str, start: datetime, end: datetime) -> Offsets:
    """A zone's UTC offsets over [start, end) as ((until, seconds), ...): each offset holds until
    the UTC instant `until` (the last one's until is None). Looked at day by day (zones change
    offset at most once a day), then to the second where it changed."""
    zone = ZoneInfo(tz)

    def at(second: int) -> int:
        return int(datetime.fromtimestamp(second, zone).utcoffset().total_seconds())

    first, last = int(start.timestamp()), math.ceil(end.timestamp()) - 1  # whole seconds within the span
    points = [*range(first, last, 86_400), last]
    result: list[tuple[datetime | None, int]] = []
    for low, high in zip(points, points[1:]):
        before = at(low)
        if at(high) == before:
            continue
        while high - low > 1:  # at(low) is the old offset, at(high) the new one
            middle = (low + high) // 2
            low, high = (middle, high) if at(middle) == before else (low, middle)
        result.append((datetime.fromtimestamp(high, timezone.utc), before))
    result.append((None, at(last)))
    return tuple(result)


def local_day(column, tz: str, span: tuple[datetime, datetime]):
    """The day ("YYYY-MM-DD") in zone `tz` of each timestamp of `column` within `span`, counted in
    SQL: exact across daylight-saving changes (a CASE over the offsets the span holds)."""
    return _by_offset(shifted_day, column, tz, span)


def _by_offset(function, column, tz: str, span: tuple[datetime, datetime]):
    """`function(column, offset)` with the offset `tz` has at each timestamp within `span`."""

    def at(seconds: int):
        return function(column, literal_column(str(int(seconds))))

    parts = offsets(tz, span[0], span[1])
    if len(parts) == 1:
        return at(parts[0][1])
    return case(*((column < until, at(seconds)) for until, seconds in parts[:-1]), else_=at(parts[-1][1]))


class epoch_hour(FunctionElement):  # noqa: N801 - used like a SQL function
    """A UTC timestamp as whole hours since 1970-01-01 (an integer): which hour it falls in."""

    type = Integer()
    inherit_cache = True
    name = "epoch_hour"


@compiles(epoch_hour)
def _epoch_hour_postgresql(element, compiler, **kw) -> str:
    return f"CAST(floor(date_part('epoch', {compiler.process(element.clauses, **kw)}) / 3600) AS BIGINT)"


@compiles(epoch_hour, "sqlite")
def _epoch_hour_sqlite(element, compiler, **kw) -> str:
    return f"(CAST(strftime('%s', substr({compiler.process(element.clauses, **kw)}, 1, 19)) AS INTEGER) / 3600)"


class shifted_hour(FunctionElement):  # noqa: N801 - used like a SQL function
    """The hour of the day, 0 to 23, of a UTC timestamp moved by a whole number of seconds."""

    type = Integer()
    inherit_cache = True
    name = "shifted_hour"


@compiles(shifted_hour)
def _shifted_hour_postgresql(element, compiler, **kw) -> str:
    column = compiler.process(list(element.clauses)[0], **kw)
    return f"CAST(date_part('hour', ({column}) AT TIME ZONE 'UTC' + interval '{_seconds(element)} seconds') AS INTEGER)"


@compiles(shifted_hour, "sqlite")
def _shifted_hour_sqlite(element, compiler, **kw) -> str:
    column = compiler.process(list(element.clauses)[0], **kw)
    return f"CAST(strftime('%H', substr({column}, 1, 19), '{_seconds(element):+d} seconds') AS INTEGER)"


def local_hour_of_day(column, tz: str, span: tuple[datetime, datetime]):
    """The hour of the day (0 to 23) in zone `tz` of each timestamp of `column` within `span`."""
    return _by_offset(shifted_hour, column, tz, span)
