"""An hour bucket of a UTC timestamp as text, "YYYY-MM-DD HH", the same on both backends.

Reports group by hour in SQL and turn hours into a person's local days in Python: exact in any
timezone (daylight saving included), with a result that stays small (hours, not rows).
"""

from __future__ import annotations

from sqlalchemy import String
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
