"""Time functions in SQL that both backends answer alike: an hour bucket of a UTC timestamp as
text, "YYYY-MM-DD HH", a timestamp as days since the epoch, and the local day of a timestamp in a
timezone.

Reports group by local day in SQL: a zone's offsets over the asked span are found here with
zoneinfo (so both backends, and Python, agree on every instant, daylight saving included) and
each row's day is its UTC time moved by its offset. Hour buckets remain where the hour itself
matters (when a contact was logged).
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import Float, String, case, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class utc_hour(FunctionElement):  # noqa: N801 - used like a SQL function
    type = String()
    inherit_cache = True
    name = "utc_hour"


@compiles(utc_hour)
def _postgresql(element, compiler, **kw) -> str:
    return f"to_char(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24')"


@compiles(utc_hour, "sqlite")
def _sqlite(element, compiler, **kw) -> str:
    # stored as "YYYY-MM-DD HH:MM:SS.ffffff" in UTC (db.base.UTCDateTime)
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 13)"


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
    # a literal we computed from a zone's offset (never a person's input): an int, inlined so that
    # each backend reads it as the number of seconds it is
    return int(list(element.clauses)[1].value)


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
    parts = offsets(tz, span[0], span[1])
    last = shifted_day(column, literal(parts[-1][1]))
    if len(parts) == 1:
        return last
    return case(*((column < until, shifted_day(column, literal(seconds))) for until, seconds in parts[:-1]), else_=last)
