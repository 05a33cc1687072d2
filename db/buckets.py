"""Time functions in SQL that both backends answer alike: an hour bucket of a UTC timestamp as
text, "YYYY-MM-DD HH", and a timestamp as days since the epoch.

Reports group by hour in SQL and turn hours into a person's local days in Python: exact in any
timezone (daylight saving included), with a result that stays small (hours, not rows).
"""

from __future__ import annotations

from sqlalchemy import Float, String
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
